/**
 * An OCI distribution client for one registry: manifests, blobs, tags, catalog and referrers, with auth,
 * retries, origins and request budgets wrapped once inside it.
 */
export { RegistryClient, type UploadResult } from './client';
export { DEFAULT_MAX_BLOB_BYTES } from './limits';
export type { RegistryClientOptions, PasswordSource } from './options';
export type { RequestBudget } from './budget';
export { RegistryError, isRegistryError, isMissing, type RegistryErrorCode } from './errors';
export { parseImageManifest, parseImageIndex } from './manifests';
export { addToReferrersIndex, type Referrers, type ReferrersOptions, type ReferrerLimits } from './referrers';
export type { Descriptor, ImageManifest, FetchedManifest } from './types';
export { registryClientFromConfig, type ClientFromConfigOptions } from './from-config';
