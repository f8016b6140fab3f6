import { parseChallenge } from './challenge';
import { nextLink } from './pagination';
import { errorFromResponse, parseRetryAfter } from './errors';

describe('WWW-Authenticate parsing', () => {
  it('reads a Docker token challenge whose scope holds commas', () => {
    expect(
      parseChallenge('Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push"'),
    ).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.example.com/token', service: 'registry.example.com', scope: 'repository:a/b:pull,push' },
    });
  });

  it('reads a basic challenge', () => {
    expect(parseChallenge('Basic realm="signet"')).toEqual({ scheme: 'basic', params: { realm: 'signet' } });
  });
});

describe('Link pagination', () => {
  it('finds the next page', () => {
    expect(nextLink('</v2/_catalog?last=b&n=2>; rel="next"')).toBe('/v2/_catalog?last=b&n=2');
    expect(nextLink(undefined)).toBeUndefined();
    expect(nextLink('</x>; rel="prev"')).toBeUndefined();
  });
});

describe('registry error mapping', () => {
  it('maps the JSON error code and keeps the message', () => {
    const e = errorFromResponse(
      404,
      Buffer.from('{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}'),
      'GET x',
    );
    expect(e.code).toBe('NAME_UNKNOWN');
    expect(e.retryable).toBe(false);
    expect(e.message).toContain('repository name not known');
  });

  it('marks 429 and 503 retryable and reads Retry-After', () => {
    const e = errorFromResponse(429, Buffer.from(''), 'GET x', { 'retry-after': '2' });
    expect(e).toMatchObject({ code: 'TOO_MANY_REQUESTS', retryable: true, retryAfterMs: 2000 });
    expect(errorFromResponse(503, Buffer.from('busy'), 'GET x')).toMatchObject({ code: 'REGISTRY_UNAVAILABLE', retryable: true });
  });

  it('caps Retry-After and accepts HTTP dates', () => {
    expect(parseRetryAfter('99999')).toBe(60_000);
    expect(parseRetryAfter(new Date(Date.now() + 3000).toUTCString())).toBeGreaterThan(1000);
  });
});
