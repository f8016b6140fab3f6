import { ConcurrentUpdateError, isSignetError, SignetError } from './index';

class ExampleError extends SignetError<'EXAMPLE'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('EXAMPLE', message, options);
  }
}

describe('SignetError', () => {
  it('names the concrete class and keeps its code and message', () => {
    const err = new ExampleError('something went wrong');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ExampleError');
    expect(err.code).toBe('EXAMPLE');
    expect(err.message).toBe('something went wrong');
    expect(String(err)).toBe('ExampleError: something went wrong');
    expect(err.stack).toContain('ExampleError: something went wrong');
  });

  it('is not retryable unless the class or the thrower says so', () => {
    expect(new ExampleError('no').retryable).toBe(false);
    expect(new SignetError('BUSY', 'busy', { retryable: true }).retryable).toBe(true);
  });

  it('attaches the cause when there is one, and no cause property otherwise', () => {
    const cause = new Error('ECONNREFUSED');
    expect(new ExampleError('lookup failed', { cause }).cause).toBe(cause);
    expect('cause' in new ExampleError('lookup failed')).toBe(false);
  });

  it('tells Signet errors apart by code', () => {
    const err = new ExampleError('x');
    expect(isSignetError(err)).toBe(true);
    expect(isSignetError(err, 'EXAMPLE')).toBe(true);
    expect(isSignetError(err, 'OTHER')).toBe(false);
    expect(isSignetError(Object.assign(new Error('x'), { code: 'EXAMPLE' }))).toBe(false);
    expect(isSignetError(undefined)).toBe(false);
  });
});

describe('ConcurrentUpdateError', () => {
  it('names what kept changing and after how many attempts, and is retryable', () => {
    const err = new ConcurrentUpdateError('tag local/team/app:1.0', 5);
    expect(err).toBeInstanceOf(SignetError);
    expect(err.name).toBe('ConcurrentUpdateError');
    expect(err.code).toBe('CONCURRENT_UPDATE');
    expect(err.retryable).toBe(true);
    expect(err.what).toBe('tag local/team/app:1.0');
    expect(err.attempts).toBe(5);
    expect(err.message).toBe('tag local/team/app:1.0 kept changing under concurrent writers; gave up after 5 attempts');
    expect(isSignetError(err, 'CONCURRENT_UPDATE')).toBe(true);
  });
});
