import { metricFamilies, type Counter, type Gauge, type Histogram, type MetricFamilies, type MetricsRegistry } from '@signet/observability';
import type { TagStore, ViolationRecord } from './state/store';
import { VERDICTS } from './state/tag-state';

/** What this replica did: counted as it happens. */
export interface VerifierMetrics {
  overwrites: Counter<'registry' | 'result'>;
  violations: Counter<'registry' | 'reason'>;
  tagsScanned: Counter<'registry'>;
  signaturesFetched: Counter<'registry'>;
  verifyErrors: Counter<'registry' | 'reason'>;
  rescanDuration: Histogram;
}

export interface SharedViews {
  store: TagStore;
  /** Registry names (the pending gauge reports each, 0 when none is pending). */
  registries: string[];
  /** Reads the last successful full rescan time (seconds), shared by all replicas. */
  lastRescanSuccess: () => Promise<number | undefined>;
  now?: () => number;
}

const RESCAN_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

/**
 * Counters and histograms count what this replica did; the gauges read the shared state from Redis at
 * scrape time, so whichever replica Prometheus scrapes reports the same violations. When Redis cannot be
 * read, the gauges keep their last values (readiness reports the outage). Without `views` (a one-shot scan)
 * the gauges are defined but report nothing.
 */
export function createVerifierMetrics(registry: MetricsRegistry, views?: SharedViews): VerifierMetrics {
  const families = metricFamilies(registry);
  sharedStateGauges(families, views);
  return replicaCounters(families);
}

function replicaCounters(families: MetricFamilies): VerifierMetrics {
  const { counter, histogram } = families;
  return {
    overwrites: counter('signet_tag_overwrites_total', 'Tags that came to point to another digest, by the verdict on the new digest.', [
      'registry',
      'result',
    ]),
    violations: counter(
      'signet_tag_violations_total',
      'Violations raised (a tag moved to a digest without a valid signature, or rolled back), by reason.',
      ['registry', 'reason'],
    ),
    tagsScanned: counter('signet_tags_scanned_total', 'Tags looked up (HEAD) by rescans and verify jobs.', ['registry']),
    signaturesFetched: counter('signet_signatures_fetched_total', 'Signature lookups (one per new or changed digest).', ['registry']),
    verifyErrors: counter('signet_verify_errors_total', 'Failed registry lookups (the tag is marked error and the job retried).', [
      'registry',
      'reason',
    ]),
    rescanDuration: histogram(
      'signet_rescan_duration_seconds',
      'Duration of a full rescan (first repository job started to last one finished).',
      RESCAN_BUCKETS,
    ),
  };
}

/** The gauges every replica reads from the shared state at scrape time. */
function sharedStateGauges(families: MetricFamilies, views: SharedViews | undefined): void {
  const now = views?.now ?? Date.now;
  const gauge = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: (gauge: Gauge<L>, views: SharedViews) => Promise<void>,
  ) =>
    families.scrapedGauge(name, help, labelNames, async (g) => {
      if (views) await read(g, views);
    });
  /** 1 per tag record that a shared set holds (violations standing, traces kept). */
  const recordGauge = (name: string, help: string, records: (store: TagStore) => Promise<ViolationRecord[]>) =>
    gauge(name, help, ['registry', 'repository', 'tag', 'digest', 'reason'], async (g, { store }) => {
      const current = await records(store);
      g.reset();
      for (const v of current) g.labels(v.registry, v.repository, v.tag, v.digest, v.reason).set(1);
    });

  recordGauge(
    'signet_tag_violation',
    'A tag moved by an untrusted change, or signed only by a revoked key (1 while the violation stands); reason: unsigned, invalid, unknown (still unreadable when its grace period ended), rollback or revoked.',
    (store) => store.violations(),
  );
  recordGauge(
    'signet_tag_violation_trace',
    'A violation seen on a tag, kept (1) until acknowledged even after the tag moved back (a flash overwrite); none for reason revoked.',
    (store) => store.traces(),
  );
  gauge(
    'signet_unsigned_tags',
    'Tags first seen without a valid signature (a warning, not a violation).',
    ['registry'],
    async (g, { store, registries }) => {
      const { unsigned } = await store.stats();
      for (const name of registries) g.labels(name).set(unsigned.get(name) ?? 0);
    },
  );
  gauge('signet_verdicts', 'Tags per verdict.', ['registry', 'verdict'], async (g, { store, registries }) => {
    const { verdicts } = await store.stats();
    const counts = new Map(verdicts.map((v) => [`${v.registry}|${v.verdict}`, v.count]));
    for (const name of registries) for (const verdict of VERDICTS) g.labels(name, verdict).set(counts.get(`${name}|${verdict}`) ?? 0);
  });
  gauge(
    'signet_pending_oldest_seconds',
    'Age of the oldest tag whose verdict is pending (0 when none).',
    ['registry'],
    async (g, { store, registries }) => {
      for (const name of registries) {
        const oldest = await store.oldestPending(name);
        g.labels(name).set(oldest === undefined ? 0 : Math.max(0, (now() - oldest) / 1000));
      }
    },
  );
  gauge(
    'signet_catalog_available',
    "Whether the registry's _catalog answered at the last rescan (0: refused with 401/403/404 or DENIED/UNSUPPORTED; repositories then come from registries[].repositories and webhooks).",
    ['registry'],
    async (g, { store, registries }) => {
      const seen = await store.catalogAvailability();
      for (const name of registries) {
        const available = seen.get(name);
        if (available !== undefined) g.labels(name).set(available ? 1 : 0);
      }
    },
  );
  gauge(
    'signet_rescan_last_success_timestamp_seconds',
    'When the last full rescan finished (every repository checked).',
    [],
    async (g, { lastRescanSuccess }) => {
      const at = await lastRescanSuccess();
      if (at !== undefined) g.set(at);
    },
  );
}
