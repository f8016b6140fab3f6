import { isArtifactTag } from '@signet/oci';
import { packDigest, type TagState } from '../state/tag-state';
import type { DecisionRecord, Stored } from '../state/store';
import { checkTag, forgetTag, recordLookupFailure, registryOf, type CheckOutcome, type VerifierContext } from './check-tag';
import { errorReason, type RegistryAccess } from './registry-access';
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

/** What a scan reads of one repository before it checks any tag: the listing and everything stored for it. */
interface RepositoryListing {
  registryName: string;
  repository: string;
  registry: RegistryAccess;
  /** The listed tags, signature artifacts left out. */
  tags: string[];
  stored: Map<string, Stored>;
  /** Signer decisions by packed digest. */
  decisions: Map<string, DecisionRecord>;
  /** Deleted tags' last records. */
  tombstones: Map<string, TagState>;
  /** What the listing says of a digest's signatures: shown, known absent, or unknown (referrers API). */
  signaturesListed: (digest: string) => boolean | undefined;
}

/**
 * One repository's share of a rescan: list the tags (skipping signature artifacts), HEAD each with bounded
 * concurrency, verify signatures only for new or changed digests, forget tags that are gone. A failed
 * lookup marks that tag `error` and the scan goes on; the caller decides whether to retry.
 */
export async function scanRepository(
  ctx: VerifierContext,
  registryName: string,
  repository: string,
  opts: ScanRepositoryOptions = {},
): Promise<RepositoryScan> {
  const listing = await readListing(ctx, registryName, repository);
  opts.onListed?.(listing.tags.length);
  const results = await mapLimit(listing.tags, ctx.tagConcurrency, async (tag) => {
    const result = await scanTag(ctx, listing, tag, opts.force === true);
    opts.onTag?.(result);
    return result;
  });
  const forgotten = await tidyRepository(ctx, listing);
  return { registry: registryName, repository, tags: results, forgotten, errors: results.filter((r) => r.kind === 'error').length };
}

/** Lists the repository's tags and reads, at once, its stored tags, signer decisions and tombstones. */
async function readListing(ctx: VerifierContext, registryName: string, repository: string): Promise<RepositoryListing> {
  const registry = registryOf(ctx, registryName);
  const listed = (await registry.tags(repository)) ?? [];
  const tags = listed.filter((t) => !isArtifactTag(t));
  const artifactTags = new Set(listed.filter(isArtifactTag));
  const [stored, decisions, tombstones, complete] = await Promise.all([
    ctx.store.readRepository(registryName, repository),
    ctx.store.decisions(registryName, repository, ctx.now()),
    ctx.store.tombstones(registryName, repository),
    tags.length > 0 ? registry.listingShowsSignatures(repository) : false,
  ]);
  const signaturesListed = (digest: string): boolean | undefined => {
    const tag = digest.replace(':', '-');
    if (artifactTags.has(`${tag}.sig`) || artifactTags.has(tag)) return true;
    return complete ? false : undefined;
  };
  return { registryName, repository, registry, tags, stored, decisions, tombstones, signaturesListed };
}

/** HEADs one listed tag and checks it against what was read; any failure becomes the tag's `error` result. */
async function scanTag(ctx: VerifierContext, listing: RepositoryListing, tag: string, force: boolean): Promise<TagResult> {
  const ref = { registry: listing.registryName, repository: listing.repository, tag };
  try {
    ctx.metrics.tagsScanned.labels(listing.registryName).inc();
    const known = listing.stored.get(tag) ?? { raw: null };
    // A failed HEAD is recorded on the tag (verdict `error`) and thrown as a LookupFailedError.
    const digest = await listing.registry
      .digestOf(listing.repository, tag)
      .catch((err: unknown) => recordLookupFailure(ctx, ref, known, undefined, err));
    if (digest === undefined) return { tag, kind: (await forgetTag(ctx, ref, known)) ? 'forgotten' : 'absent' };
    const outcome = await checkTag(ctx, ref, {
      digest,
      stored: known,
      decision: listing.decisions.get(packDigest(digest)) ?? null,
      tombstone: listing.tombstones.get(tag) ?? null,
      signatureListed: listing.signaturesListed(digest),
      force,
    });
    return { tag, ...outcome };
  } catch (err) {
    return { tag, kind: 'error', reason: errorReason((err as { cause?: unknown }).cause ?? err), message: (err as Error).message };
  }
}

/** Forgets the stored tags the listing no longer shows and prunes expired decisions and tombstones. */
async function tidyRepository(ctx: VerifierContext, listing: RepositoryListing): Promise<string[]> {
  const { registryName, repository } = listing;
  const present = new Set(listing.tags);
  const forgotten: string[] = [];
  for (const [tag, known] of listing.stored) {
    if (!present.has(tag) && (await forgetTag(ctx, { registry: registryName, repository, tag }, known))) forgotten.push(tag);
  }
  await ctx.store.pruneDecisions(registryName, repository, ctx.now());
  if (listing.tombstones.size > 0)
    await ctx.store.pruneTombstones(registryName, repository, ctx.now() - (ctx.tombstoneTtlMs ?? DEFAULT_TOMBSTONE_TTL_MS));
  return forgotten;
}
