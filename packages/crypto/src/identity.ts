/**
 * Whether a signature's claimed identity names the image being verified. Two spellings of Docker Hub exist:
 * go-containerregistry's (`index.docker.io/library/alpine`, what cosign signs) and Docker's
 * (`docker.io/library/alpine`, what containers/image compares); comparisons use Docker's.
 */
import { DOCKER_HUB_INDEX, formatImageReference, parseImageReference, repositoryName, type ImageReference } from '@signet/oci';

function parsed(reference: string): ImageReference | undefined {
  try {
    return parseImageReference(reference);
  } catch {
    return undefined;
  }
}

/**
 * The identity cosign writes by default: go-containerregistry `Repository.Name()` — no tag or digest,
 * Docker Hub spelled `index.docker.io`.
 */
export function cosignRepositoryName(reference: string): string {
  return repositoryName(parseImageReference(reference, { dockerHub: DOCKER_HUB_INDEX }));
}

/**
 * How the payload's `docker-reference` is judged:
 * - `ignore`: not checked (cosign verify);
 * - `exact`: equals `reference` after normalisation, tag/digest included;
 * - `matchRepository`: same repository as `repository`, tags and digests ignored (containers/image
 *   `matchRepository` / `exactRepository`; the only rule cosign's tagless identities pass).
 */
export type IdentityRule = { type: 'ignore' } | { type: 'exact'; reference: string } | { type: 'matchRepository'; repository: string };

export function identityMatches(signedReference: string, rule: IdentityRule): boolean {
  if (rule.type === 'ignore') return true;
  const signed = parsed(signedReference);
  if (!signed) return false;
  if (rule.type === 'exact') {
    const expected = parsed(rule.reference);
    return expected !== undefined && formatImageReference(expected) === formatImageReference(signed);
  }
  const expected = parsed(rule.repository);
  return expected !== undefined && repositoryName(expected) === repositoryName(signed);
}
