import { readFileSync } from 'node:fs';
import { sharedDir } from '@signet/testing';
import { digestOf, SIGNATURE_ANNOTATION } from '@signet/oci';
import { signatureConfig, signatureImage, signatureLayer } from './sig-layout';

const fixture = (...p: string[]) => readFileSync(sharedDir('fixtures', 'cosign', ...p));

/** A containers/image on-disk signature: 0x00 "sigstore-json" 0x0A then JSON {mimeType, payload, annotations}. */
function readSigstoreJson(name: string): { payload: Buffer; annotations: Record<string, string> } {
  const raw = fixture('containers-image', name);
  const json = JSON.parse(raw.subarray(raw.indexOf(0x0a) + 1).toString('utf8'));
  return { payload: Buffer.from(json.payload, 'base64'), annotations: json.annotations };
}

describe('cosign .sig layout', () => {
  const payload = fixture('derived', 'dir-img-cosign-valid.payload.json');
  const { annotations } = readSigstoreJson('dir-img-cosign-valid.signature-1');
  const signature = annotations[SIGNATURE_ANNOTATION]!;

  it('writes the config blob cosign writes for one signature, byte for byte', () => {
    const layer = signatureLayer(payload, signature);
    expect(signatureConfig([layer]).equals(fixture('derived', 'dir-img-cosign-valid.sig-config.json'))).toBe(true);
  });

  it('writes the manifest cosign writes for one signature, byte for byte', () => {
    const image = signatureImage([signatureLayer(payload, signature)]);
    const expected = fixture('derived', 'dir-img-cosign-valid.sig-manifest.json');
    expect(image.manifest.toString()).toBe(expected.toString());
    expect(digestOf(image.manifest)).toBe('sha256:4e9e18b27581f5046e09644e683cae2a55187345ca64be139bc2d53e12be04c0');
  });

  it('lists one diff_id and one history entry per layer, in layer order', () => {
    const second = signatureLayer(Buffer.from('{"other":1}'), 'MEUC');
    const config = JSON.parse(signatureConfig([signatureLayer(payload, signature), second]).toString());
    expect(config.rootfs.diff_ids).toEqual([digestOf(payload), second.digest]);
    expect(config.history).toHaveLength(2);
  });

  it('sorts layer annotations bytewise and escapes like Go', () => {
    const image = signatureImage([signatureLayer(payload, signature, { zeta: 'a<b', Alpha: 'x' })]);
    const text = image.manifest.toString();
    expect(text.indexOf('"Alpha"')).toBeLessThan(text.indexOf('"dev.cosignproject'));
    expect(text.indexOf('"dev.cosignproject')).toBeLessThan(text.indexOf('"zeta"'));
    expect(text).toContain('a\\u003cb');
  });

  it('keeps Docker schema2 media types when appending to a Docker .sig', () => {
    const image = signatureImage([signatureLayer(payload, signature)], 'application/vnd.docker.distribution.manifest.v2+json');
    const m = JSON.parse(image.manifest.toString());
    expect(m.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(m.config.mediaType).toBe('application/vnd.docker.container.image.v1+json');
  });
});
