import { Option, type Command } from 'commander';
import { globToRegExp, type RegistryConfig, type SignetConfig } from '@signet/config';
import { isCryptoError, loadPublicKeys, PublicKeySet, type SigningKey } from '@signet/crypto';
import { isKeyError, keyProviderFromRef } from '@signet/keys';
import { isArtifactTag, isDigest, referrersTag, signatureTag } from '@signet/oci';
import { DigestLock, RedisRequestBudget, redisRequestBudgets } from '@signet/queue';
import { isMissing, registryClientFromConfig, type RegistryClient, type RequestBudget } from '@signet/registry';
import { SignatureStore } from '@signet/signatures';
import { SigningRecords, TagStore } from '@signet/verification';
import type { Cluster, Redis } from 'ioredis';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './cli-error';
import { addOutputOption, outputFormat, printJson, type OutputFormat } from './output';
import { processPasswordContext, readPassword, readPin } from './password';
import { closingRegistryClient } from './registry-session';
import { resignDigest, type DigestOutcome, type DigestResult, type ResignDeps } from './resign-digest';
import { cliRedis, loadCliConfig } from './scan';

type RedisClient = Redis | Cluster;

/** Exit code when the run finished but digests signed by OLD with no record of a trusted push remain. */
export const EXIT_LEFT_FOR_HUMAN = 3;

interface ResignFlags {
  from: string;
  key?: string;
  config?: string;
  registry?: string[];
  repository?: string[];
  dryRun: boolean;
  removeOld: boolean;
  rate: number;
  output?: OutputFormat;
}

interface Row {
  registry: string;
  repository: string;
  digest: string;
  tags: string[];
  outcome: DigestOutcome | 'error';
  removedOld?: number;
  keptOldBundles?: number;
  error?: string;
}

/** NEW: `--key`, else `signer.key` with its configured password (else COSIGN_PASSWORD or a prompt). */
async function loadNewKey(config: SignetConfig, flag: string | undefined): Promise<SigningKey> {
  const ref = flag ?? config.signer?.key?.provider ?? config.signer?.key?.path;
  if (!ref) throw new CliError('give --key, or signer.key in the configuration', EXIT_USAGE);
  const configured = flag === undefined ? config.signer?.key?.password : undefined;
  const ctx = processPasswordContext();
  const password = () => (configured ? Buffer.from(configured.reveal()) : readPassword(ctx, { confirm: false, purpose: `decrypt ${ref}` }));
  const provider = keyProviderFromRef(ref, { env: ctx.env, password, pinPrompt: (key) => readPin(ctx, key) });
  try {
    return await provider.load();
  } catch (err) {
    // The description, not the reference: a pkcs11: URI may carry its pin-value.
    if (isCryptoError(err) || isKeyError(err)) throw new CliError(`${provider.description}: ${err.message}`, EXIT_FAILURE, { cause: err });
    throw err;
  }
}

async function loadOldKeys(path: string): Promise<PublicKeySet> {
  try {
    return await loadPublicKeys([path]);
  } catch (err) {
    throw new CliError(`--from ${path}: ${(err as Error).message}`, EXIT_USAGE, { cause: err });
  }
}

/** Repositories to visit: those with records, those the verifier knows, the configured list and the catalog, filtered by `--repository`. */
async function repositoriesOf(
  client: RegistryClient,
  registry: RegistryConfig,
  records: SigningRecords,
  tagState: TagStore,
  globs: RegExp[],
): Promise<string[]> {
  const names = new Set([
    ...(await records.repositories(registry.name)),
    ...(await tagState.knownRepositories(registry.name)),
    ...(registry.repositories ?? []),
  ]);
  try {
    for await (const name of client.catalog({ pageSize: 1000 })) names.add(name);
  } catch (err) {
    // Without a catalog, the repositories are those recorded, seen by the verifier, or in registries[].repositories.
    if (names.size === 0)
      throw new CliError(
        `${registry.name}: the catalog is unavailable and no repository is configured, recorded or known to the verifier: ${(err as Error).message}`,
        EXIT_FAILURE,
        { cause: err },
      );
  }
  return [...names].filter((n) => globs.length === 0 || globs.some((g) => g.test(n))).sort();
}

/** What a repository's tag listing shows: the digests its tags point at, and those its artifact tags name. */
interface Listing {
  /** Digest → tags now pointing at it. */
  tagged: Map<string, string[]>;
  /** Digests with a `.sig` tag or a referrers fallback tag: signed once, whether or not a tag still points at them. */
  named: Set<string>;
}

/**
 * The digest a `.sig` tag or a referrers fallback tag names (`sha256-<hex>.sig`, `sha256-<hex>` → `sha256:<hex>`).
 * None for sha512: its fallback tag is cut to 64 hex, and its `.sig` tag is longer than a tag may be.
 */
function signedSubject(tag: string): string | undefined {
  const digest = tag.split('.')[0]!.replace('-', ':');
  return isDigest(digest) && (tag === signatureTag(digest) || tag === referrersTag(digest)) ? digest : undefined;
}

async function listDigests(client: RegistryClient, repository: string): Promise<Listing> {
  const listing: Listing = { tagged: new Map(), named: new Set() };
  try {
    for await (const tag of client.tags(repository, { pageSize: 1000 })) {
      if (isArtifactTag(tag)) {
        const subject = signedSubject(tag);
        if (subject) listing.named.add(subject);
        continue;
      }
      const digest = await headDigest(client, repository, tag);
      if (digest) listing.tagged.set(digest, [...(listing.tagged.get(digest) ?? []), tag]);
    }
  } catch (err) {
    if (!isMissing(err)) throw err;
  }
  return listing;
}

async function headDigest(client: RegistryClient, repository: string, reference: string): Promise<string | undefined> {
  return client.headManifest(repository, reference).then(
    (d) => d.digest,
    (err: unknown) => (isMissing(err) ? undefined : Promise.reject(err)),
  );
}

/**
 * The digests the verifier's tag state has seen on the repository's tags: now, earlier (each tag's history),
 * and on deleted tags. A tag moved on leaves its old digest untagged, and on a registry with the referrers API
 * nothing in the listing names a bundle-signed one: this is how such a digest still reaches the report.
 */
async function seenDigests(tags: TagStore, registry: string, repository: string): Promise<Set<string>> {
  const [current, deleted] = await Promise.all([tags.readRepository(registry, repository), tags.tombstones(registry, repository)]);
  const states = [...[...current.values()].flatMap((stored) => (stored.state ? [stored.state] : [])), ...deleted.values()];
  return new Set(states.flatMap((state) => [state.digest, ...state.history.map((h) => h.digest)]));
}

/**
 * Every digest recorded, tagged, named by an artifact tag, or seen by the verifier on a tag, once. One only
 * an artifact tag or the tag state names is kept while its manifest is there: a `.sig` tag outlives the image
 * it signed when the image is deleted, and the tag state remembers digests since deleted.
 */
async function candidateDigests(
  client: RegistryClient,
  repository: string,
  recorded: ReadonlyMap<string, unknown>,
  listing: Listing,
  seen: ReadonlySet<string>,
) {
  const digests = new Set([...recorded.keys(), ...listing.tagged.keys()]);
  for (const digest of [...listing.named, ...seen])
    if (!digests.has(digest) && (await headDigest(client, repository, digest))) digests.add(digest);
  return [...digests].sort();
}

/**
 * Every request waits for a token of the run's own bucket (`--rate`, shared by concurrent runs) and then of the
 * registry's bucket the services share (`registries[].rateLimit`), so a re-sign never pushes the services
 * past the registry's limit.
 */
function resignBudget(redis: RedisClient, prefix: string, registry: RegistryConfig, rate: number): RequestBudget {
  const own = new RedisRequestBudget(redis, {
    registry: `${registry.name}:resign`,
    ratePerSecond: rate,
    burst: Math.max(1, Math.ceil(rate)),
    prefix,
  });
  const shared = redisRequestBudgets(redis, prefix)(registry);
  const both = shared ? [own, shared] : [own];
  return {
    acquire: async () => {
      for (const b of both) await b.acquire();
    },
    drain: async () => void (await Promise.all(both.map((b) => b.drain()))),
    pauseFor: async (ms) => void (await Promise.all(both.map((b) => b.pauseFor(ms)))),
  };
}

/** A bar on a terminal; otherwise one JSON line per digest on stderr, which scripts and logs can follow. */
function progressReporter(): { grow(n: number): void; done(row: Row): void; stop(): void } {
  let total = 0;
  let done = 0;
  if (process.stderr.isTTY) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { SingleBar } = require('cli-progress') as {
      SingleBar: new (opts: object) => { start(t: number, v: number): void; setTotal(t: number): void; increment(): void; stop(): void };
    };
    const bar = new SingleBar({ format: 're-signing [{bar}] {value}/{total} digests', stream: process.stderr, clearOnComplete: true });
    bar.start(0, 0);
    return { grow: (n) => bar.setTotal((total += n)), done: () => bar.increment(), stop: () => bar.stop() };
  }
  return {
    grow: (n) => (total += n),
    done: (row) => process.stderr.write(JSON.stringify({ progress: { done: ++done, total }, ...row }) + '\n'),
    stop: () => undefined,
  };
}

async function resignRegistry(
  config: SignetConfig,
  registry: RegistryConfig,
  flags: ResignFlags,
  keys: Pick<ResignDeps, 'oldKeys' | 'newKey' | 'newKeys'>,
  redis: RedisClient,
  progress: ReturnType<typeof progressReporter>,
): Promise<Row[]> {
  const prefix = config.redis.prefix;
  const client = registryClientFromConfig(registry, { budget: (r) => resignBudget(redis, prefix, r, flags.rate) });
  const records = new SigningRecords(redis, prefix);
  const tagState = new TagStore(redis, prefix);
  const deps: ResignDeps = {
    ...keys,
    registry: registry.name,
    client,
    store: new SignatureStore(client, config.verifier ? { limits: config.verifier.signatureLimits } : {}),
    lock: new DigestLock(redis, { prefix, ttlMs: config.signer?.digestLockTtl ?? 30_000 }),
    annotations: config.signer?.annotations ?? {},
    dryRun: flags.dryRun,
    removeOld: flags.removeOld,
  };
  // One client for the registry's whole walk, closed when the walk settles.
  return closingRegistryClient(client, async () => {
    const rows: Row[] = [];
    for (const repository of await repositoriesOf(client, registry, records, tagState, (flags.repository ?? []).map(globToRegExp))) {
      const [recorded, listing, seen] = await Promise.all([
        records.list(registry.name, repository),
        listDigests(client, repository),
        seenDigests(tagState, registry.name, repository),
      ]);
      const digests = await candidateDigests(client, repository, recorded, listing, seen);
      progress.grow(digests.length);
      for (const digest of digests) {
        const base = { registry: registry.name, repository, digest, tags: listing.tagged.get(digest) ?? [] };
        const row = await resignDigest(deps, repository, digest, recorded.get(digest)).then(
          (r: DigestResult): Row => ({
            ...base,
            outcome: r.outcome,
            ...(r.removedOld ? { removedOld: r.removedOld } : {}),
            ...(r.keptOldBundles ? { keptOldBundles: r.keptOldBundles } : {}),
          }),
          (err: unknown): Row => ({ ...base, outcome: 'error', error: (err as Error).message }),
        );
        progress.done(row);
        if (row.outcome !== 'not-old') rows.push(row);
      }
    }
    return rows;
  });
}

function printText(rows: Row[], keys: { old: string; new: string }, dryRun: boolean): void {
  const count = (o: Row['outcome']) => rows.filter((r) => r.outcome === o).length;
  const removed = rows.reduce((n, r) => n + (r.removedOld ?? 0), 0);
  const verb = dryRun ? 'would re-sign' : 're-signed';
  process.stdout.write(
    `${verb} ${count(dryRun ? 'would-resign' : 'resigned')} digest(s) signed by ${keys.old} with ${keys.new}; ${count('already-new')} already signed by ${keys.new}\n`,
  );
  if (removed > 0) process.stdout.write(`${dryRun ? 'would remove' : 'removed'} ${removed} signature(s) by ${keys.old}\n`);
  const kept = rows.reduce((n, r) => n + (r.keptOldBundles ?? 0), 0);
  if (kept > 0)
    process.stdout.write(
      `kept ${kept} bundle(s) by ${keys.old} (the registry refuses deletes; verifier.revokedKeys makes them count for nothing)\n`,
    );
  const left = rows.filter((r) => r.outcome === 'left-for-human');
  if (left.length > 0) {
    process.stdout.write(
      `left for a human: ${left.length} digest(s) signed by ${keys.old} with no record of a trusted push (not re-signed):\n`,
    );
    for (const r of left)
      process.stdout.write(
        `  ${r.registry}/${r.repository}@${r.digest}${r.tags.length ? `  tags: ${r.tags.join(', ')}` : '  (untagged)'}\n`,
      );
  }
  for (const r of rows.filter((x) => x.outcome === 'error'))
    process.stdout.write(`error: ${r.registry}/${r.repository}@${r.digest}: ${r.error}\n`);
}

async function runResign(flags: ResignFlags): Promise<number> {
  const config = loadCliConfig(flags.config);
  if (!(flags.rate > 0)) throw new CliError('--rate must be a positive number of requests per second', EXIT_USAGE);
  const registries = config.registries.filter((r) => !flags.registry || flags.registry.includes(r.name));
  for (const name of flags.registry ?? [])
    if (!config.registries.some((r) => r.name === name)) throw new CliError(`no registry named "${name}" in ${config.source}`, EXIT_USAGE);
  const oldKeys = await loadOldKeys(flags.from);
  const newKey = await loadNewKey(config, flags.key);
  if (oldKeys.keys.some((k) => k.key.equals(newKey.publicKey))) throw new CliError('the new key is the key given in --from', EXIT_USAGE);
  const keys = { oldKeys, newKey, newKeys: PublicKeySet.fromKeyObjects([newKey.publicKey], 'new') };
  const redis = cliRedis(config);
  const progress = progressReporter();
  const rows: Row[] = [];
  try {
    for (const registry of registries) rows.push(...(await resignRegistry(config, registry, flags, keys, redis, progress)));
  } finally {
    progress.stop();
    redis.disconnect();
  }
  const names = { old: oldKeys.keys[0]!.fingerprint.short, new: newKey.fingerprint.short };
  if (outputFormat(flags) === 'json') printJson({ oldKey: names.old, newKey: names.new, dryRun: flags.dryRun, digests: rows });
  else printText(rows, names, flags.dryRun);
  if (rows.some((r) => r.outcome === 'error')) return EXIT_FAILURE;
  return rows.some((r) => r.outcome === 'left-for-human') ? EXIT_LEFT_FOR_HUMAN : EXIT_OK;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `signet resign --from OLD.pub`: after a key compromise or a planned rotation (docs/key-rotation.md). */
export function registerResignCommand(program: Command): void {
  addOutputOption(
    program
      .command('resign')
      .description(
        'Re-sign with the new key every digest the old key signed that Signet recorded as a trusted push; list the rest for a human',
      )
      .requiredOption('--from <OLD.pub>', 'public key of the old (compromised or retired) key')
      .option('--key <ref>', 'the new private key (cosign.key, env://VAR; default signer.key from the config)')
      .option('-c, --config <path>', 'config file (default: $SIGNET_CONFIG or ./signet.yaml)')
      .option('--registry <name>', 'only this configured registry (repeatable)', collect)
      .option('--repository <glob>', 'only repositories matching this glob (repeatable)', collect)
      .option('--dry-run', 'say what would be done; write nothing', false)
      .option(
        '--remove-old',
        "once the new signature is in place, remove the old key's signatures (.sig layers, bundles) from trusted digests",
        false,
      )
      .addOption(
        new Option('--rate <n>', 'registry requests per second at most (shared with the services where registries[].rateLimit is set)')
          .argParser(Number)
          .default(10),
      )
      .addHelpText(
        'after',
        '\nResumable: a digest the new key already signed is skipped, so an interrupted run is finished by running it again.' +
          '\nExit codes: 0 done; 1 some digest failed (run again); 2 usage; 3 done, but digests signed by the old key with no record of a trusted push are left for a human.',
      ),
    'text',
  ).action(async (flags: ResignFlags) => {
    process.exitCode = await runResign(flags);
  });
}
