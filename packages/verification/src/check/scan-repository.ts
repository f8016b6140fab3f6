import { packDigest, isArtifactTag } from '../state/tag-state';
import { checkTag, forgetTag, recordLookupFailure, registryOf, type CheckOutcome, type VerifierContext } from './check-tag';
import { errorReason } from './registry-access';
import { mapLimit } from './pool';

/** How long a deleted tag's last record is kept when the configuration does not say. */
export const DEFAULT_TOMBSTONE_TTL_MS = 30 * 24 * 3600_000;

export type TagResult = { tag: string } & (CheckOutcome | { kind: 'error'; reason: string; message: string });

export interface RepositoryScan {
  registry: string;
  repository: string;
  tags: TagResult[];
  /** Tags that were stored but are gone from the registry. */
  forgotten: string[];
  errors: number;
}

export interface ScanRepositoryOptions {
  /** Called once the tags are listed, then after each tag (progress bars). */
  onListed?: (tags: number) => void;
  onTag?: (result: TagResult) => void;
  /** Look up every tag's signatures, even unchanged settled ones (the trusted or revoked keys changed). */
  force?: boolean;
}

/**
 * One repository's share of a rescan: list the tags (skipping signature artifacts), HEAD each with bounded
 * concurrency, verify signatures only for new or changed digests, forget tags that are gone. A failed
 * lookup marks that tag `error` and the scan goes on; the caller decides whether to retry.
 */
export async function scanRepository(ctx: VerifierContext, registryName: string, repository: string, opts: ScanRepositoryOptions = {}): Promise<RepositoryScan> {
  const registry = registryOf(ctx, registryName);
  const listed = await registry.tags(repository);
  const tags = (listed ?? []).filter((t) => !isArtifactTag(t));
  opts.onListed?.(tags.length);
  const artifactTags = new Set((listed ?? []).filter(isArtifactTag));
  const [stored, decisions, tombstones, complete] = await Promise.all([
    ctx.store.readRepository(registryName, repository),
    ctx.store.decisions(registryName, repository, ctx.now()),
    ctx.store.tombstones(registryName, repository),
    tags.length > 0 ? registry.listingShowsSignatures(repository) : false,
  ]);
  /** What the listing says of a digest's signatures: shown, known absent, or unknown (referrers API). */
  const signaturesListed = (digest: string): boolean | undefined => {
    const tag = digest.replace(':', '-');
    if (artifactTags.has(`${tag}.sig`) || artifactTags.has(tag)) return true;
    return complete ? false : undefined;
  };

  const results = await mapLimit(tags, ctx.tagConcurrency, async (tag): Promise<TagResult> => {
    const ref = { registry: registryName, repository, tag };
    let result: TagResult;
    try {
      ctx.metrics.tagsScanned.labels(registryName).inc();
      const known = stored.get(tag) ?? { raw: null };
      let digest: string | undefined;
      try {
        digest = await registry.digestOf(repository, tag);
      } catch (err) {
        return await recordLookupFailure(ctx, ref, known, undefined, err);
      }
      if (digest === undefined) {
        result = { tag, kind: (await forgetTag(ctx, ref, known)) ? 'forgotten' : 'absent' };
      } else {
        const decision = decisions.get(packDigest(digest)) ?? null;
        const tombstone = tombstones.get(tag) ?? null;
        result = { tag, ...(await checkTag(ctx, ref, { digest, stored: known, decision, tombstone, signatureListed: signaturesListed(digest), force: opts.force === true })) };
      }
    } catch (err) {
      result = { tag, kind: 'error', reason: errorReason((err as { cause?: unknown }).cause ?? err), message: (err as Error).message };
    }
    opts.onTag?.(result);
    return result;
  });

  const present = new Set(tags);
  const gone = [...stored.keys()].filter((t) => !present.has(t));
  const forgotten: string[] = [];
  for (const tag of gone) if (await forgetTag(ctx, { registry: registryName, repository, tag }, stored.get(tag))) forgotten.push(tag);
  await ctx.store.pruneDecisions(registryName, repository, ctx.now());
  if (tombstones.size > 0) await ctx.store.pruneTombstones(registryName, repository, ctx.now() - (ctx.tombstoneTtlMs ?? DEFAULT_TOMBSTONE_TTL_MS));
  return { registry: registryName, repository, tags: results, forgotten, errors: results.filter((r) => r.kind === 'error').length };
}
