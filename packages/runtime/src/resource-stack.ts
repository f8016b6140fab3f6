/** Some of a service's resources failed to close; every one was still tried. */
export class ResourceCloseError extends AggregateError {
  readonly code = 'RESOURCE_CLOSE_FAILED';
  constructor(readonly failures: Array<{ name: string; error: unknown }>) {
    super(
      failures.map((f) => f.error),
      `could not close ${failures.map((f) => `${f.name} (${f.error instanceof Error ? f.error.message : String(f.error)})`).join(', ')}`,
    );
  }
}

interface Entry {
  name: string;
  close: () => unknown;
}

/**
 * What a service opened, closed in reverse order: a worker before the queue it feeds, a queue before its
 * connection. The same stack unwinds a start that fails halfway and a shutdown, so neither leaks what the other
 * would have closed. Each close runs once; one failing does not stop the rest.
 */
export class ResourceStack {
  private readonly entries: Entry[] = [];
  private closing: Promise<void> | undefined;

  /** Registers `close` to run when the stack unwinds; returns `resource` so it can wrap a constructor call. */
  defer<T>(name: string, close: () => unknown, resource?: T): T {
    if (this.closing) {
      // Opened while unwinding (a start still running when shutdown began): close it now rather than leak it.
      void Promise.resolve()
        .then(close)
        .catch(() => undefined);
    } else this.entries.push({ name, close });
    return resource as T;
  }

  /** Resources registered and not yet closed. */
  get size(): number {
    return this.entries.length;
  }

  /** Closes everything, last registered first. Later calls wait for the first. */
  close(): Promise<void> {
    this.closing ??= this.unwind();
    return this.closing;
  }

  private async unwind(): Promise<void> {
    const failures: Array<{ name: string; error: unknown }> = [];
    for (let entry = this.entries.pop(); entry; entry = this.entries.pop()) {
      try {
        await entry.close();
      } catch (error) {
        failures.push({ name: entry.name, error });
      }
    }
    if (failures.length > 0) throw new ResourceCloseError(failures);
  }
}
