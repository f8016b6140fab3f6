import { DIGEST_PATTERN } from '@signet/oci';
import { z } from 'zod';
import { RegistryError } from './errors';
import type { ImageIndex, ImageManifest } from './types';

const Descriptor = z.object({
  mediaType: z.string(),
  digest: z.string().regex(DIGEST_PATTERN),
  size: z.number().int().nonnegative(),
  annotations: z.record(z.string(), z.string()).optional(),
  artifactType: z.string().optional(),
  urls: z.array(z.string()).optional(),
  platform: z.looseObject({ os: z.string(), architecture: z.string(), variant: z.string().optional() }).optional(),
});

const Manifest = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  config: Descriptor,
  layers: z.array(Descriptor).max(10_000),
  subject: Descriptor.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

const Index = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  manifests: z.array(Descriptor).max(10_000),
  subject: Descriptor.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

function parse<T>(schema: z.ZodType<T>, bytes: Buffer, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (cause) {
    throw new RegistryError('MANIFEST_INVALID', `${what} is not JSON`, { cause });
  }
  const result = schema.safeParse(json);
  if (!result.success) throw new RegistryError('MANIFEST_INVALID', `${what} is malformed: ${result.error.issues[0]?.message ?? ''}`);
  return result.data;
}

export function parseImageManifest(bytes: Buffer, what = 'manifest'): ImageManifest {
  return parse(Manifest, bytes, what) as ImageManifest;
}

export function parseImageIndex(bytes: Buffer, what = 'index'): ImageIndex {
  return parse(Index, bytes, what) as ImageIndex;
}
