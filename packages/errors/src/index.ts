// The one error base every Signet package and app extends, with no dependencies, so each can throw typed
// errors that callers (the HTTP layers, the CLI, the job-failure policy) tell apart by `code` alone.

export interface SignetErrorOptions {
  cause?: unknown;
  /**
   * Whether trying the same operation again later can succeed (a registry answering 503, a lock held by
   * another replica). Errors that can never succeed (an invalid job, an unknown registry) leave it false.
   */
  retryable?: boolean;
}

/** A failure with a stable `code` to branch on (messages are for people and may change). */
export class SignetError<C extends string = string> extends Error {
  readonly code: C;
  /** See SignetErrorOptions.retryable: false unless the class (or the thrower) says otherwise. */
  readonly retryable: boolean;

  constructor(code: C, message: string, options: SignetErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    // The concrete class names itself in logs and stack traces, without each subclass repeating it.
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** True for any SignetError, or only for one with `code`. */
export function isSignetError<C extends string>(err: unknown, code?: C): err is SignetError<C> {
  return err instanceof SignetError && (code === undefined || err.code === code);
}

/**
 * A compare-and-set write lost to other writers on every attempt. Retryable: the writers it lost to finish,
 * and a later attempt reads what they wrote.
 */
export class ConcurrentUpdateError extends SignetError<'CONCURRENT_UPDATE'> {
  constructor(
    /** What kept changing (`tag local/team/app:1.0`, `referrers index team/app:sha256-…`). */
    readonly what: string,
    readonly attempts: number,
    options: { cause?: unknown } = {},
  ) {
    super('CONCURRENT_UPDATE', `${what} kept changing under concurrent writers; gave up after ${attempts} attempts`, {
      ...options,
      retryable: true,
    });
  }
}
