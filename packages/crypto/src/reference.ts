/**
 * Docker reference handling for signature identities. Two spellings exist: go-containerregistry's
 * (`index.docker.io/library/alpine`, what cosign signs) and the Docker-normalised one
 * (`docker.io/library/alpine`, what containers/image compares). Comparisons use the latter.
 */
import { isDigest } from '@signet/oci';

export interface ParsedReference {
  /** Normalised repository: `docker.io/library/alpine`, `host:5000/team/app`. */
  repository: string;
  tag?: string;
  digest?: string;
}

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;

function splitHost(name: string): { host: string; path: string } {
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    return { host: first, path: name.slice(slash + 1) };
  }
  return { host: 'docker.io', path: name };
}

/** Parses `[host[:port]/]path[:tag][@digest]`; returns undefined for anything malformed. */
export function parseReference(reference: string): ParsedReference | undefined {
  let rest = reference;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) return undefined;
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return undefined;
  }
  let { host, path } = splitHost(rest);
  if (host === 'index.docker.io') host = 'docker.io';
  if (host === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  if (!path.split('/').every((c) => PATH_COMPONENT.test(c))) return undefined;
  return { repository: `${host}/${path}`, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

export function formatReference(ref: ParsedReference): string {
  return `${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/**
 * The identity cosign writes by default: go-containerregistry `Repository.Name()` — no tag or digest,
 * Docker Hub spelled `index.docker.io`.
 */
export function cosignRepositoryName(reference: string): string {
  const parsed = parseReference(reference);
  if (!parsed) throw new TypeError(`invalid image reference: ${reference}`);
  return parsed.repository.replace(/^docker\.io\//, 'index.docker.io/');
}

/**
 * How the payload's `docker-reference` is judged:
 * - `ignore`: not checked (cosign verify);
 * - `exact`: equals `reference` after normalisation, tag/digest included;
 * - `matchRepository`: same repository as `repository`, tags and digests ignored (containers/image
 *   `matchRepository` / `exactRepository`; the only rule cosign's tagless identities pass).
 */
export type IdentityRule =
  | { type: 'ignore' }
  | { type: 'exact'; reference: string }
  | { type: 'matchRepository'; repository: string };

export function identityMatches(signedReference: string, rule: IdentityRule): boolean {
  if (rule.type === 'ignore') return true;
  const signed = parseReference(signedReference);
  if (!signed) return false;
  if (rule.type === 'exact') {
    const expected = parseReference(rule.reference);
    return expected !== undefined && formatReference(expected) === formatReference(signed);
  }
  const expected = parseReference(rule.repository);
  return expected !== undefined && expected.repository === signed.repository;
}
