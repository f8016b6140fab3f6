// OCI distribution-spec grammar: references that reach the registry client are checked here once, so a
// body can never smuggle a path (`../`, `/v2/...`) into a registry URL.
const REPOSITORY = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

export const isRepositoryName = (s: string): boolean => s.length <= 255 && REPOSITORY.test(s);
export const isTag = (s: string): boolean => TAG.test(s);
export { isDigest } from '@signet/oci';
