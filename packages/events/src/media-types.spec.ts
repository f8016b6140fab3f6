import { isManifestMediaType, isSignatureArtifact, MANIFEST_MEDIA_TYPES } from './media-types';

const HEX = '174233bf6eec39e84c3b31c1c4685b8d061c6cc0b7ff55c29b3ea37a7c78f4d7';

describe('isSignatureArtifact', () => {
  it.each([`sha256-${HEX}.sig`, `sha256-${HEX}.att`, `sha256-${HEX}.sbom`, `sha256-${HEX}`])('recognises the cosign tag %s', (tag) =>
    expect(isSignatureArtifact({ tag })).toBe(true),
  );

  it.each(['latest', '1.0.0', `sha256-${HEX}.tar`, `sha256-${HEX.slice(1)}.sig`, `sha512-${HEX}.sig`])(
    'leaves the ordinary tag %s alone',
    (tag) => expect(isSignatureArtifact({ tag })).toBe(false),
  );

  it('recognises cosign and sigstore media types, artifact types, references and any subject', () => {
    expect(isSignatureArtifact({ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json' })).toBe(true);
    expect(isSignatureArtifact({ artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json' })).toBe(true);
    expect(isSignatureArtifact({ referenceMediaTypes: ['application/vnd.dev.cosign.artifact.sig.v1+json'] })).toBe(true);
    expect(isSignatureArtifact({ tag: '1.0.0', subject: { digest: 'sha256:' + HEX } })).toBe(true);
    expect(isSignatureArtifact({ tag: '1.0.0', mediaType: 'application/vnd.oci.image.manifest.v1+json' })).toBe(false);
    expect(isSignatureArtifact({ tag: '1.0.0', subject: null })).toBe(false);
  });
});

describe('manifest media types', () => {
  it('include OCI and Docker manifests and indexes, not blobs', () => {
    expect(MANIFEST_MEDIA_TYPES).toEqual(
      expect.arrayContaining([
        'application/vnd.oci.image.manifest.v1+json',
        'application/vnd.oci.image.index.v1+json',
        'application/vnd.docker.distribution.manifest.v2+json',
        'application/vnd.docker.distribution.manifest.list.v2+json',
      ]),
    );
    expect(isManifestMediaType('application/octet-stream')).toBe(false);
    expect(isManifestMediaType('application/vnd.oci.image.layer.v1.tar+gzip')).toBe(false);
  });
});
