import { parseBundleEnvelope } from './dsse';

const bundle = (envelope: unknown) =>
  Buffer.from(
    JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', verificationMaterial: {}, dsseEnvelope: envelope }),
  );

describe('parseBundleEnvelope', () => {
  it('decodes the payload and keeps signatures as base64 text', () => {
    const envelope = parseBundleEnvelope(
      bundle({
        payloadType: 'application/vnd.in-toto+json',
        payload: Buffer.from('{"a":1}').toString('base64'),
        signatures: [{ sig: 'c2ln' }, { keyid: 'k', sig: 'eA==' }],
      }),
    );
    expect(envelope).toEqual({
      payloadType: 'application/vnd.in-toto+json',
      payload: Buffer.from('{"a":1}'),
      signatures: [{ sig: 'c2ln' }, { keyid: 'k', sig: 'eA==' }],
    });
  });

  it('drops an empty key id rather than carrying it', () => {
    expect(parseBundleEnvelope(bundle({ payloadType: 't', payload: '', signatures: [{ keyid: '', sig: 'eA==' }] }))?.signatures).toEqual([
      { sig: 'eA==' },
    ]);
  });

  it.each([
    ['not JSON', Buffer.from('{')],
    ['a message-signature bundle', Buffer.from(JSON.stringify({ mediaType: 'x', messageSignature: {} }))],
    ['an envelope without signatures', bundle({ payloadType: 't', payload: '', signatures: [] })],
    ['a signature without sig', bundle({ payloadType: 't', payload: '', signatures: [{ keyid: 'k' }] })],
    ['no media type', Buffer.from(JSON.stringify({ dsseEnvelope: { payloadType: 't', payload: '', signatures: [{ sig: 'eA==' }] } }))],
  ])('answers undefined for %s', (_what, bytes) => {
    expect(parseBundleEnvelope(bytes)).toBeUndefined();
  });
});
