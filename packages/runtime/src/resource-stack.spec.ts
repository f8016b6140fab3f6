import { ResourceCloseError, ResourceStack } from './resource-stack';

describe('ResourceStack', () => {
  it('closes the last resource first, each once, however often close() is called', async () => {
    const stack = new ResourceStack();
    const closed: string[] = [];
    for (const name of ['connection', 'queue', 'worker']) stack.defer(name, () => void closed.push(name));
    await Promise.all([stack.close(), stack.close()]);
    await stack.close();
    expect(closed).toEqual(['worker', 'queue', 'connection']);
    expect(stack.size).toBe(0);
  });

  it('closes the rest when one close fails, then throws every failure with its resource named', async () => {
    const stack = new ResourceStack();
    const closed: string[] = [];
    stack.defer('connection', () => void closed.push('connection'));
    stack.defer('queue', () => Promise.reject(new Error('queue refused')));
    stack.defer('server', () => {
      throw new Error('server refused');
    });
    const err = await stack.close().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ResourceCloseError);
    expect((err as ResourceCloseError).code).toBe('RESOURCE_CLOSE_FAILED');
    expect((err as ResourceCloseError).failures.map((f) => f.name)).toEqual(['server', 'queue']);
    expect((err as Error).message).toBe('could not close server (server refused), queue (queue refused)');
    expect(closed).toEqual(['connection']);
  });

  it('closes at once what is registered after unwinding began', async () => {
    const stack = new ResourceStack();
    await stack.close();
    let closed = false;
    stack.defer('late', () => {
      closed = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(closed).toBe(true);
    expect(stack.size).toBe(0);
  });
});
