import { DIGEST_GRAMMAR, isDigest } from './digest';
import { InvalidReferenceError } from './errors';
import { isTag, REPOSITORY_PATTERN } from './grammar';

/**
 * Image references as Docker reads them (distribution/reference `ParseNormalizedNamed`): the first path
 * component is a registry host when it has a `.` or `:`, is `localhost`, or has an upper-case letter;
 * otherwise the image is on Docker Hub, whose one-component names live under `library/`.
 */

/** A parsed image reference: `registry/repository[:tag][@digest]`. */
export interface ImageReference {
  /** Registry host with optional port, e.g. `127.0.0.1:5000`; Docker Hub per `ReferenceParseOptions.dockerHub`. */
  registry: string;
  /** Repository path inside the registry, e.g. `team/app`, `library/nginx`. */
  repository: string;
  tag?: string;
  digest?: string;
}

/** Docker Hub as Docker and containers/image spell it. */
export const DOCKER_HUB = 'docker.io';
/** Docker Hub as go-containerregistry spells it, and so the name cosign signs. */
export const DOCKER_HUB_INDEX = 'index.docker.io';
/**
 * Every name of Docker Hub. distribution/reference folds only `index.docker.io`; `registry-1.docker.io` (its
 * API host) names the same repositories, so it is folded too rather than read as a separate registry.
 */
const DOCKER_HUB_NAMES = new Set([DOCKER_HUB, DOCKER_HUB_INDEX, 'registry-1.docker.io']);

/** Host names compare case-insensitively, and Docker Hub has three. */
export function isDockerHub(host: string): boolean {
  return DOCKER_HUB_NAMES.has(host.toLowerCase());
}

export interface ReferenceParseOptions {
  /** How Docker Hub is spelled in the result; default `docker.io`. */
  dockerHub?: typeof DOCKER_HUB | typeof DOCKER_HUB_INDEX;
}

// distribution/reference's domain grammar: DNS labels (upper case allowed) or a bracketed IPv6 address,
// then an optional port.
const LABEL = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?';
const HOST = new RegExp(`^(?:${LABEL}(?:\\.${LABEL})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?$`);
/** distribution/reference `NameTotalLengthMax`: registry and repository together. */
const NAME_MAX_LENGTH = 255;
/** A bare 64-hex string is an image id to Docker, never a name. */
const IMAGE_ID = /^[a-f0-9]{64}$/;

function invalid(input: string, why: string): InvalidReferenceError {
  return new InvalidReferenceError(`invalid image reference "${input}": ${why}`);
}

function splitRegistry(name: string): { registry: string; path: string } {
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const isHost = slash >= 0 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first);
  return isHost ? { registry: first, path: name.slice(slash + 1) } : { registry: DOCKER_HUB, path: name };
}

/**
 * Parses `[host[:port]/]path[:tag][@digest]` as Docker does, without adding a default tag. Throws
 * `InvalidReferenceError` (code `INVALID_REFERENCE`) for anything outside the grammar, an upper-case
 * repository path included.
 */
export function parseImageReference(input: string, options: ReferenceParseOptions = {}): ImageReference {
  if (input.length === 0) throw invalid(input, 'empty');
  if (IMAGE_ID.test(input)) throw invalid(input, 'a 64-hex string is an image id, not a name');
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) throw invalid(input, `digest must be ${DIGEST_GRAMMAR}`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!isTag(tag)) throw invalid(input, `bad tag "${tag}"`);
  }
  let { registry, path } = splitRegistry(rest);
  if (!HOST.test(registry)) throw invalid(input, `bad registry host "${registry}"`);
  if (isDockerHub(registry)) {
    registry = options.dockerHub ?? DOCKER_HUB;
    if (!path.includes('/')) path = `library/${path}`;
  }
  if (path.toLowerCase() !== path) throw invalid(input, `repository "${path}" must be lower case`);
  if (!REPOSITORY_PATTERN.test(path)) throw invalid(input, `bad repository path "${path}"`);
  if (registry.length + 1 + path.length > NAME_MAX_LENGTH) throw invalid(input, `name longer than ${NAME_MAX_LENGTH} characters`);
  return { registry, repository: path, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

/**
 * Docker's full normalised form (`ParseNormalizedNamed` then `TagNameOnly`): as `parseImageReference`, with tag
 * `latest` when neither a tag nor a digest is given. `nginx` → `docker.io/library/nginx:latest`.
 */
export function normalizeImageReference(input: string, options: ReferenceParseOptions = {}): ImageReference {
  const ref = parseImageReference(input, options);
  return ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: 'latest' } : ref;
}

/** `registry/repository`: the image's name without tag or digest (the identity cosign signs by default). */
export function repositoryName(ref: Pick<ImageReference, 'registry' | 'repository'>): string {
  return `${ref.registry}/${ref.repository}`;
}

/** `registry/repository[:tag][@digest]`; `parseImageReference` reads it back to the same value. */
export function formatImageReference(ref: ImageReference): string {
  return repositoryName(ref) + (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest !== undefined ? `@${ref.digest}` : '');
}
