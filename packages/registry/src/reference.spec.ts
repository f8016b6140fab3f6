import fc from 'fast-check';
import { formatImageReference, parseImageReference, signatureTag } from './reference';

const D = 'sha256:' + 'ab'.repeat(32);

describe('parseImageReference', () => {
  it('splits host with port, nested repository and tag', () => {
    expect(parseImageReference('127.0.0.1:5000/team/app:1.0.0')).toEqual({ registry: '127.0.0.1:5000', repository: 'team/app', tag: '1.0.0' });
  });

  it('reads a digest reference, with or without a tag', () => {
    expect(parseImageReference(`localhost:5000/app@${D}`)).toEqual({ registry: 'localhost:5000', repository: 'app', digest: D });
    expect(parseImageReference(`r.example.com/a/b:t@${D}`)).toEqual({ registry: 'r.example.com', repository: 'a/b', tag: 't', digest: D });
  });

  it('normalises Docker Hub names as go-containerregistry does', () => {
    expect(parseImageReference('alpine:3')).toEqual({ registry: 'index.docker.io', repository: 'library/alpine', tag: '3' });
    expect(parseImageReference('docker.io/org/x')).toEqual({ registry: 'index.docker.io', repository: 'org/x' });
  });

  it.each(['', 'UPPER/case', 'host:5000/app@sha256:short', 'app:bad tag', 'a//b', 'host/app:'])('rejects %j', (input) => {
    expect(() => parseImageReference(input)).toThrow(expect.objectContaining({ code: 'INVALID_REFERENCE' }));
  });

  it('round-trips formatted references', () => {
    const component = fc.stringMatching(/^[a-z0-9]+([._-][a-z0-9]+)?$/);
    fc.assert(
      fc.property(fc.array(component, { minLength: 1, maxLength: 3 }), fc.stringMatching(/^\w[\w.-]{0,20}$/), fc.integer({ min: 1, max: 65535 }), (parts, tag, port) => {
        const ref = { registry: `127.0.0.1:${port}`, repository: parts.join('/'), tag };
        expect(parseImageReference(formatImageReference(ref))).toEqual(ref);
      }),
    );
  });

  it('names the .sig tag after the digest', () => {
    expect(signatureTag(D)).toBe(`sha256-${'ab'.repeat(32)}.sig`);
  });
});
