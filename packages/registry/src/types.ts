/** An OCI content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  artifactType?: string;
  urls?: string[];
  platform?: { os: string; architecture: string; variant?: string; [k: string]: unknown };
}

/** An image manifest (OCI or Docker schema2). */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** An image index (OCI) or manifest list (Docker). */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** Manifest bytes exactly as the registry served them, with the verified digest. */
export interface FetchedManifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}
