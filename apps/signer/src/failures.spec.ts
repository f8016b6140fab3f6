import { ConcurrentUpdateError } from '@signet/errors';
import { classifyJobError, LockBusyError } from '@signet/queue';
import { RegistryError } from '@signet/registry';
import { ImageGoneError, UnknownRegistryError } from './failures';

// What the shared job-failure policy makes of every failure a push job meets: `permanent` fails the job at
// once (and the push is reported failed), anything else is retried with backoff.
describe('push job failures under the job-failure policy', () => {
  it('fails at once for a registry that is not configured and an image deleted before it was signed', () => {
    expect(classifyJobError(new UnknownRegistryError('registry "x" is not configured'))).toEqual({
      permanent: true,
      reason: 'unknown_registry',
    });
    expect(classifyJobError(new ImageGoneError('team/app@sha256:… no longer exists'))).toEqual({ permanent: true, reason: 'image_gone' });
  });

  it('retries a 401, which a rotated password file written late fixes on a later attempt', () => {
    expect(
      classifyJobError(new RegistryError('REGISTRY_UNAUTHORIZED', 'the registry refused the username or password', { status: 401 })),
    ).toEqual({ permanent: false, reason: 'registry_unauthorized' });
  });

  it('keeps a 403 and other non-retryable registry answers permanent, and retries 5xx', () => {
    expect(classifyJobError(new RegistryError('REGISTRY_DENIED', 'denied', { status: 403 }))).toEqual({
      permanent: true,
      reason: 'registry_denied',
    });
    expect(classifyJobError(new RegistryError('MANIFEST_INVALID', 'bad', { status: 400 }))).toEqual({
      permanent: true,
      reason: 'manifest_invalid',
    });
    expect(classifyJobError(new RegistryError('REGISTRY_UNAVAILABLE', 'busy', { status: 503, retryable: true }))).toEqual({
      permanent: false,
      reason: 'registry_unavailable',
    });
  });

  it('retries a digest locked by another replica and a signature tag that kept changing', () => {
    expect(classifyJobError(new LockBusyError('local/team/app@sha256:… is locked by another signer'))).toEqual({
      permanent: false,
      reason: 'lock_busy',
    });
    expect(classifyJobError(new ConcurrentUpdateError('team/app:sha256-….sig', 5))).toEqual({
      permanent: false,
      reason: 'concurrent_update',
    });
  });
});
