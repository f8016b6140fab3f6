/** Where the reporter writes (a pino logger fits). */
export interface ReporterLogger {
  warn(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
}

/** Anything that emits `error` (ioredis connections and Clusters, BullMQ Queue, Worker, QueueEvents). */
export interface ErrorEmitter {
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/** How the reporter listens: by names the emitters' own typings do not all declare (`node error`, `ready`). */
type Listenable = { on(event: string, listener: (arg: unknown) => void): unknown };

export interface ErrorReporterOptions {
  /** What fails, in the lines: `redis` gives "redis connection error", "redis connection restored". */
  subject?: string;
  /** At most one summary line per kind of error in this time; default 30 s. */
  summaryIntervalMs?: number;
  now?: () => number;
}

/**
 * One service's report of connection errors. Every connection, queue and worker hands its `error` events here,
 * so an outage reads as a few lines instead of one per connection per retry (ioredis retries every 2 s on each
 * of several connections, and an emitter with no `error` listener prints a non-JSON "[ioredis] Unhandled error
 * event" instead).
 */
export interface ErrorReporter {
  /** An error from `source`: the first of its kind is logged at warn, the rest are counted into summaries. */
  error(source: string, err: unknown): void;
  /** `source` is connected again; once every source that failed is, one info line says so. */
  recovered(source: string): void;
  /**
   * Listens to an emitter's `error` events (and a Cluster's `node error`). With `readyEvent`, that event marks
   * the source recovered: only sources that announce their recovery hold the "restored" line back.
   */
  watch<T extends ErrorEmitter>(emitter: T, source: string, opts?: { readyEvent?: string }): T;
}

interface Kind {
  count: number;
  total: number;
  sources: Set<string>;
  lastLoggedAt: number;
}

/** A stable, low-cardinality name for an error: its code (ECONNREFUSED, ETIMEDOUT...) or its name and message. */
export function errorKind(err: unknown): string {
  if (err && typeof err === 'object') {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.length > 0) return code;
    const e = err as { name?: unknown; message?: unknown };
    return `${typeof e.name === 'string' ? e.name : 'Error'}: ${typeof e.message === 'string' ? e.message.slice(0, 120) : ''}`;
  }
  return String(err).slice(0, 120);
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The reporter for one service: create it once and give it to every connection, queue and worker. */
export function createErrorReporter(logger: ReporterLogger, opts: ErrorReporterOptions = {}): ErrorReporter {
  const subject = opts.subject ?? 'redis';
  const interval = opts.summaryIntervalMs ?? 30_000;
  const now = opts.now ?? Date.now;
  const kinds = new Map<string, Kind>();
  // Sources that said they failed and will say when they are back.
  const failing = new Set<string>();
  const recoverable = new Set<string>();
  let downSince: number | undefined;

  const reporter: ErrorReporter = {
    error(source, err) {
      const key = errorKind(err);
      const t = now();
      downSince ??= t;
      if (recoverable.has(source)) failing.add(source);
      const kind = kinds.get(key);
      if (!kind) {
        kinds.set(key, { count: 0, total: 1, sources: new Set([source]), lastLoggedAt: t });
        logger.warn(
          { errorKind: key, source, err: messageOf(err), summaryEverySeconds: interval / 1000 },
          `${subject} connection error; further errors of this kind are counted and summarised`,
        );
        return;
      }
      kind.count++;
      kind.total++;
      kind.sources.add(source);
      if (t - kind.lastLoggedAt < interval) return;
      logger.warn(
        {
          errorKind: key,
          count: kind.count,
          sources: [...kind.sources].sort(),
          err: messageOf(err),
          failingForSeconds: Math.round((t - (downSince ?? t)) / 1000),
        },
        `${subject} connection errors continue`,
      );
      kind.count = 0;
      kind.sources.clear();
      kind.lastLoggedAt = t;
    },
    recovered(source) {
      if (!failing.delete(source) || failing.size > 0) return;
      const errors = [...kinds.values()].reduce((n, k) => n + k.total, 0);
      logger.info(
        { errors, errorKinds: [...kinds.keys()], downSeconds: Math.round((now() - (downSince ?? now())) / 1000) },
        `${subject} connection restored`,
      );
      // The next outage is reported afresh.
      kinds.clear();
      downSince = undefined;
    },
    watch(emitter, source, watchOpts = {}) {
      const target = emitter as unknown as Listenable;
      const onError = (err: unknown) => reporter.error(source, err);
      target.on('error', onError);
      // A Cluster reports a node's failure as `node error`, beside its own `error`.
      target.on('node error', onError);
      if (watchOpts.readyEvent) {
        recoverable.add(source);
        target.on(watchOpts.readyEvent, () => reporter.recovered(source));
      }
      return emitter;
    },
  };
  return reporter;
}
