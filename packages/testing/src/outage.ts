import type { Restartable } from './process';

/** Runs `body` while `server` is stopped, and starts it again whatever `body` does: an outage for one test. */
export async function whileStopped<T>(server: Pick<Restartable, 'start' | 'stop'>, body: () => Promise<T>): Promise<T> {
  await server.stop();
  try {
    return await body();
  } finally {
    await server.start();
  }
}
