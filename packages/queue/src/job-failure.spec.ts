import { UnrecoverableError } from 'bullmq';
import { ConcurrentUpdateError, SignetError } from '@signet/errors';
import { judgeJobFailure, jobError, withJobFailurePolicy } from './job-failure';
import { InvalidJobError, readJob, verifyJobSchema } from './jobs';

const FIRST = { attemptsMade: 0, maxAttempts: 8 };

/** What reading a job with a missing field throws. */
function invalidJobError(): unknown {
  try {
    readJob(verifyJobSchema, { v: 1 });
  } catch (err) {
    return err;
  }
  throw new Error('readJob accepted a job without registry, repository or decision');
}

describe('judgeJobFailure', () => {
  it('fails for good, at the first attempt, an error that can never succeed', () => {
    const invalid = invalidJobError();
    expect(invalid).toBeInstanceOf(InvalidJobError);
    expect(judgeJobFailure(invalid, FIRST)).toEqual({ permanent: true, final: true, reason: 'invalid_job' });
    expect(judgeJobFailure(new SignetError('UNKNOWN_REGISTRY', 'no registry named "x"'), FIRST)).toEqual({
      permanent: true,
      final: true,
      reason: 'unknown_registry',
    });
    expect(judgeJobFailure(new SignetError('REGISTRY_DENIED', 'denied', { retryable: false }), FIRST)).toEqual({
      permanent: true,
      final: true,
      reason: 'registry_denied',
    });
  });

  it('retries a retryable error until the last attempt', () => {
    const busy = new SignetError('REGISTRY_UNAVAILABLE', '503', { retryable: true });
    expect(judgeJobFailure(busy, FIRST)).toEqual({ permanent: false, final: false, reason: 'registry_unavailable' });
    expect(judgeJobFailure(busy, { attemptsMade: 6, maxAttempts: 8 })).toEqual({
      permanent: false,
      final: false,
      reason: 'registry_unavailable',
    });
    expect(judgeJobFailure(busy, { attemptsMade: 7, maxAttempts: 8 })).toEqual({
      permanent: false,
      final: true,
      reason: 'registry_unavailable',
    });
    expect(judgeJobFailure(new ConcurrentUpdateError('tag r/a:1', 5), FIRST)).toEqual({
      permanent: false,
      final: false,
      reason: 'concurrent_update',
    });
  });

  it('retries an error nobody classified, as internal', () => {
    expect(judgeJobFailure(new Error('socket hang up'), FIRST)).toEqual({ permanent: false, final: false, reason: 'internal' });
    expect(judgeJobFailure(Object.assign(new Error('x'), { code: 'INVALID_JOB' }), FIRST)).toMatchObject({
      permanent: false,
      reason: 'internal',
    });
    expect(judgeJobFailure('thrown string', FIRST)).toMatchObject({ permanent: false, reason: 'internal' });
  });

  it('retries a refused password, which a password file rotated late fixes on a later attempt', () => {
    expect(judgeJobFailure(new SignetError('REGISTRY_UNAUTHORIZED', '401'), FIRST)).toEqual({
      permanent: false,
      final: false,
      reason: 'registry_unauthorized',
    });
  });
});

describe('jobError', () => {
  it('turns a permanent failure into an UnrecoverableError that names the reason and keeps the cause', () => {
    const err = new SignetError('UNKNOWN_REGISTRY', 'no registry named "x"');
    const thrown = jobError(err, { permanent: true, reason: 'unknown_registry' });
    expect(thrown).toBeInstanceOf(UnrecoverableError);
    expect((thrown as Error).message).toBe('unknown_registry: no registry named "x"');
    expect((thrown as Error).cause).toBe(err);
  });

  it('passes a retryable failure through unchanged', () => {
    const err = new Error('ECONNRESET');
    expect(jobError(err, { permanent: false, reason: 'internal' })).toBe(err);
  });
});

describe('withJobFailurePolicy', () => {
  const job = { attemptsMade: 0, opts: { attempts: 8 } };

  it('returns what the processor returns', async () => {
    await expect(withJobFailurePolicy(async () => 42)(job)).resolves.toBe(42);
  });

  it('throws an UnrecoverableError for an error that can never succeed, the error itself otherwise', async () => {
    await expect(withJobFailurePolicy(async () => readJob(verifyJobSchema, {}))(job)).rejects.toBeInstanceOf(UnrecoverableError);
    const transient = new SignetError('REGISTRY_TIMEOUT', 'timed out', { retryable: true });
    await expect(
      withJobFailurePolicy(async () => {
        throw transient;
      })(job),
    ).rejects.toBe(transient);
  });
});
