import { DIGEST_GRAMMAR, isDigest } from '@signet/oci';
import { RegistryError } from './errors';

/** A parsed image reference: `host[:port]/repo/path[:tag][@sha256:hex]`. */
export interface ImageReference {
  /** Registry host with port, e.g. `127.0.0.1:5000`; Docker Hub is `index.docker.io`. */
  registry: string;
  /** Repository path inside the registry, e.g. `team/app`. */
  repository: string;
  tag?: string;
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::\d{1,5})?$/;

export { isDigest };

function invalid(input: string, why: string): RegistryError {
  return new RegistryError('INVALID_REFERENCE', `invalid image reference "${input}": ${why}`);
}

/**
 * Parses an image reference the way Docker and go-containerregistry do: the first path component is a
 * registry host when it contains `.` or `:` or is `localhost`; otherwise the reference is on Docker Hub.
 */
export function parseImageReference(input: string): ImageReference {
  let rest = input.trim();
  if (rest.length === 0 || rest.length > 4096) throw invalid(input, 'empty or too long');
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) throw invalid(input, `digest must be ${DIGEST_GRAMMAR}`);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(input, `bad tag "${tag}"`);
  }
  const parts = rest.split('/');
  let registry = 'index.docker.io';
  const first = parts[0] ?? '';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first;
    parts.shift();
    if (!HOST.test(registry)) throw invalid(input, `bad registry host "${registry}"`);
  }
  if (registry === 'docker.io' || registry === 'registry-1.docker.io') registry = 'index.docker.io';
  if (registry === 'index.docker.io' && parts.length === 1) parts.unshift('library');
  if (parts.length === 0 || parts.some((p) => !COMPONENT.test(p))) throw invalid(input, 'bad repository path');
  const repository = parts.join('/');
  if (repository.length > 255) throw invalid(input, 'repository name too long');
  return { registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** `host/repo`, the identity cosign puts in a payload (no tag). */
export function repositoryName(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}`;
}

/** `host/repo:tag`, `host/repo@digest` or `host/repo:tag@digest`. */
export function formatImageReference(ref: ImageReference): string {
  return repositoryName(ref) + (ref.tag ? `:${ref.tag}` : '') + (ref.digest ? `@${ref.digest}` : '');
}

/** The tag-schema name for attachments of a digest: `sha256-<hex>` plus an optional suffix (`.sig`). */
export function digestTag(digest: string, suffix = ''): string {
  if (!isDigest(digest)) throw new RegistryError('INVALID_REFERENCE', `not a digest: "${digest}"`);
  return digest.replace(':', '-') + suffix;
}

/** Tag of cosign's legacy signature manifest for a digest. */
export function signatureTag(digest: string): string {
  return digestTag(digest, '.sig');
}
