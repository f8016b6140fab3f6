import { digestOf, InvalidReferenceError, signatureTag } from '@signet/oci';
import { buildPayload, parsePayload } from '../src';
import { readDiskSignature, readFixture } from './fixtures';

const DIGEST = 'sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00';
const REF = '192.168.64.2:5000/cosign-signed-single-sample';

const payloadText = (critical: string, optional = 'null'): Buffer => Buffer.from(`{"critical":${critical},"optional":${optional}}`);
const CRITICAL = `{"identity":{"docker-reference":"${REF}"},"image":{"docker-manifest-digest":"${DIGEST}"},"type":"cosign container image signature"}`;

describe('building payloads', () => {
  it('reproduces the payload cosign signed byte for byte', () => {
    const built = buildPayload({ dockerReference: REF, manifestDigest: DIGEST });
    expect(built.equals(readFixture('derived/dir-img-cosign-valid.payload.json'))).toBe(true);
    expect(digestOf(built)).toBe('sha256:cf482371b51a7633b3f02e29b87fc3f4a18b3f127af61cb114af5f2c04fcdd75');
  });

  it('writes annotations as an object with keys in byte order, like Go maps', () => {
    const built = buildPayload({ dockerReference: REF, manifestDigest: DIGEST, annotations: { team: 'x', env: 'prod', Z: '1' } });
    expect(built.toString()).toMatch(/,"optional":\{"Z":"1","env":"prod","team":"x"\}\}$/);
  });

  it('writes optional as null for an empty annotation set', () => {
    expect(buildPayload({ dockerReference: REF, manifestDigest: DIGEST, annotations: {} }).toString()).toMatch(/"optional":null\}$/);
  });

  it('escapes <, >, & and U+2028 as Go does', () => {
    const built = buildPayload({ dockerReference: REF, manifestDigest: DIGEST, annotations: { note: 'a<b>&c\u2028é/' } });
    expect(built.toString()).toContain('"note":"a\\u003cb\\u003e\\u0026c\\u2028é/"');
  });

  it('accepts an identity with a tag and keeps it verbatim', () => {
    const built = buildPayload({ dockerReference: 'registry.example/team/app:1.2', manifestDigest: DIGEST });
    expect(built.toString()).toContain('"docker-reference":"registry.example/team/app:1.2"');
    const parsed = parsePayload(built);
    expect(parsed.ok && parsed.payload.dockerReference).toBe('registry.example/team/app:1.2');
  });

  it('rejects a digest that is not sha256:<64 hex>', () => {
    expect(() => buildPayload({ dockerReference: REF, manifestDigest: 'sha256:ABC' })).toThrow(TypeError);
  });

  it('names the signature tag after the digest', () => {
    expect(signatureTag(DIGEST)).toBe('sha256-634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00.sig');
    expect(() => signatureTag('latest')).toThrow(InvalidReferenceError);
  });
});

describe('parsing payloads strictly (containers/image rules)', () => {
  it('reads the cosign payload and the skopeo payload with creator and timestamp', () => {
    const cosign = parsePayload(readFixture('derived/dir-img-cosign-valid.payload.json'));
    expect(cosign).toEqual({
      ok: true,
      payload: { dockerReference: REF, manifestDigest: DIGEST, type: 'cosign container image signature', optional: null },
    });
    const skopeo = parsePayload(readDiskSignature('containers-image/dir-img-cosign-valid-with-tag.signature-1').payload);
    expect(skopeo.ok && skopeo.payload.optional).toEqual({ creator: 'containers/image 5.21.2-dev', timestamp: 1657296609 });
  });

  it.each([
    ['a duplicate key', payloadText(CRITICAL.replace('{"identity"', '{"type":"x","identity"'))],
    ['an unknown key in critical', payloadText(CRITICAL.replace('{"identity"', '{"extra":1,"identity"'))],
    ['a missing optional', Buffer.from(`{"critical":${CRITICAL}}`)],
    ['trailing data', Buffer.concat([payloadText(CRITICAL), Buffer.from('{}')])],
    ['another type', payloadText(CRITICAL.replace('cosign container image signature', 'atomic container signature'))],
    ['a non-string creator', payloadText(CRITICAL, '{"creator":1}')],
    ['a fractional timestamp', payloadText(CRITICAL, '{"timestamp":1.5}')],
    ['an invalid digest', payloadText(CRITICAL.replace(DIGEST, 'sha256:xyz'))],
    ['non-JSON bytes', Buffer.from('hello')],
  ])('rejects %s', (_name, bytes) => {
    expect(parsePayload(bytes, 'strict')).toMatchObject({ ok: false, code: 'MALFORMED_PAYLOAD' });
  });

  it('accepts surrounding whitespace and unknown keys inside optional', () => {
    expect(parsePayload(Buffer.from(` ${payloadText(CRITICAL, '{"x":[1,{"y":null}]}').toString()}\n`)).ok).toBe(true);
  });
});

describe('parsing payloads leniently (cosign rules)', () => {
  it('ignores unknown fields and the type, requiring only the digest', () => {
    const bytes = Buffer.from(`{"critical":{"image":{"docker-manifest-digest":"${DIGEST}"},"type":"other","extra":true}}`);
    expect(parsePayload(bytes, 'lenient')).toEqual({
      ok: true,
      payload: { dockerReference: '', manifestDigest: DIGEST, type: 'other', optional: null },
    });
    expect(parsePayload(Buffer.from('{"critical":{}}'), 'lenient')).toMatchObject({ ok: false, code: 'MALFORMED_PAYLOAD' });
  });
});
