import {
  digestOf,
  DOCKER_CONFIG,
  DOCKER_MANIFEST,
  goJsonString,
  goJsonStringMap,
  OCI_CONFIG,
  OCI_MANIFEST,
  SIGNATURE_ANNOTATION,
  SIMPLE_SIGNING,
} from '@signet/oci';
import type { Descriptor } from '@signet/registry';

/*
 * Builders for cosign's legacy `.sig` image (spec §5): byte-for-byte what go-containerregistry marshals, so a
 * signature written here is indistinguishable from one cosign writes.
 */

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** The layer descriptor of one signature: blob = payload bytes, signature in an annotation. */
export function signatureLayer(payload: Buffer, signature: string, annotations: Record<string, string> = {}): Descriptor {
  return {
    mediaType: SIMPLE_SIGNING,
    size: payload.length,
    digest: digestOf(payload),
    annotations: { ...annotations, [SIGNATURE_ANNOTATION]: signature },
  };
}

/** go-containerregistry's descriptor field order: mediaType, size, digest, urls, annotations, platform, artifactType. */
export function serializeDescriptor(d: Descriptor): string {
  const parts = [`"mediaType":${goJsonString(d.mediaType)}`, `"size":${d.size}`, `"digest":${goJsonString(d.digest)}`];
  if (d.urls && d.urls.length > 0) parts.push(`"urls":[${d.urls.map(goJsonString).join(',')}]`);
  if (d.annotations && Object.keys(d.annotations).length > 0) parts.push(`"annotations":${goJsonStringMap(d.annotations)}`);
  if (d.platform) parts.push(`"platform":${serializePlatform(d.platform)}`);
  if (d.artifactType) parts.push(`"artifactType":${goJsonString(d.artifactType)}`);
  return `{${parts.join(',')}}`;
}

function serializePlatform(p: NonNullable<Descriptor['platform']>): string {
  const parts = [`"architecture":${goJsonString(p.architecture)}`, `"os":${goJsonString(p.os)}`];
  if (p.variant) parts.push(`"variant":${goJsonString(p.variant)}`);
  return `{${parts.join(',')}}`;
}

/** The config blob of a `.sig` image with these layers (spec §5.3): one diff_id and one history entry per layer. */
export function signatureConfig(layers: Descriptor[], created = ZERO_TIME): Buffer {
  const history = layers.map(() => `{"created":"${ZERO_TIME}"}`).join(',');
  const diffIds = layers.map((l) => goJsonString(l.digest)).join(',');
  return Buffer.from(
    `{"architecture":"","created":${goJsonString(created)},"history":[${history}],"os":"","rootfs":{"type":"layers","diff_ids":[${diffIds}]},"config":{}}`,
  );
}

export interface SignatureImage {
  config: Buffer;
  manifest: Buffer;
  mediaType: string;
}

/**
 * The `.sig` manifest and config for `layers`. New `.sig` images are OCI; an existing Docker schema2 one keeps
 * its media types, as cosign does when appending.
 */
export function signatureImage(layers: Descriptor[], mediaType: string = OCI_MANIFEST): SignatureImage {
  const docker = mediaType === DOCKER_MANIFEST;
  const config = signatureConfig(layers);
  const configDesc: Descriptor = { mediaType: docker ? DOCKER_CONFIG : OCI_CONFIG, size: config.length, digest: digestOf(config) };
  const manifestType = docker ? DOCKER_MANIFEST : OCI_MANIFEST;
  const manifest = Buffer.from(
    `{"schemaVersion":2,"mediaType":${goJsonString(manifestType)},"config":${serializeDescriptor(configDesc)},"layers":[${layers.map(serializeDescriptor).join(',')}]}`,
  );
  return { config, manifest, mediaType: manifestType };
}
