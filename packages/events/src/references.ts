// OCI distribution-spec grammar: references that reach the registry client are checked here once, so a
// body can never smuggle a path (`../`, `/v2/...`) into a registry URL.
const REPOSITORY = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const DIGEST = /^(?:sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/;

export const isRepositoryName = (s: string): boolean => s.length <= 255 && REPOSITORY.test(s);
export const isTag = (s: string): boolean => TAG.test(s);
export const isDigest = (s: string): boolean => DIGEST.test(s);
