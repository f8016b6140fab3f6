import { RegistryError } from '@signet/registry';
import { classifyFailure } from './failures';

describe('classifyFailure', () => {
  it('retries a 401, which a rotated password file written late fixes on a later attempt', () => {
    expect(classifyFailure(new RegistryError('REGISTRY_UNAUTHORIZED', 'the registry refused the username or password', { status: 401 }))).toEqual({ permanent: false, reason: 'registry_unauthorized' });
  });

  it('keeps a 403 and other non-retryable registry answers permanent, and retries 5xx', () => {
    expect(classifyFailure(new RegistryError('REGISTRY_DENIED', 'denied', { status: 403 }))).toEqual({ permanent: true, reason: 'registry_denied' });
    expect(classifyFailure(new RegistryError('MANIFEST_INVALID', 'bad', { status: 400 }))).toEqual({ permanent: true, reason: 'manifest_invalid' });
    expect(classifyFailure(new RegistryError('REGISTRY_UNAVAILABLE', 'busy', { status: 503, retryable: true }))).toEqual({ permanent: false, reason: 'registry_unavailable' });
  });
});
