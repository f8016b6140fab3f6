import { Counter, Gauge, Histogram, type MetricsRegistry } from '@signet/observability';
import type { TagStore, ViolationRecord } from './state/store';
import type { Verdict } from './state/tag-state';

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
 * read, the gauges keep their last values (readiness reports the outage).
 */
export function createVerifierMetrics(registry: MetricsRegistry, views?: SharedViews): VerifierMetrics {
  const now = views?.now ?? Date.now;
  const guard = async (read: () => Promise<void>) => {
    try {
      await read();
    } catch {
      /* keep the last values */
    }
  };
  /** A gauge of 1 per tag record that a shared set holds (violations standing, traces kept). */
  const recordGauge = (name: string, help: string, read: (store: TagStore) => Promise<ViolationRecord[]>) =>
    new Gauge({
      name,
      help,
      labelNames: ['registry', 'repository', 'tag', 'digest', 'reason'],
      registers: [registry],
      async collect() {
        if (!views) return;
        await guard(async () => {
          const current = await read(views.store);
          this.reset();
          for (const v of current) this.labels(v.registry, v.repository, v.tag, v.digest, v.reason).set(1);
        });
      },
    });
  recordGauge(
    'signet_tag_violation',
    'A tag moved by an untrusted change (1 while the violation stands); reason: unsigned, invalid, unknown (still unreadable when its grace period ended) or rollback.',
    (store) => store.violations(),
  );
  recordGauge('signet_tag_violation_trace', 'A violation seen on a tag, kept (1) until acknowledged even after the tag moved back (a flash overwrite).', (store) => store.traces());
  new Gauge({
    name: 'signet_unsigned_tags',
    help: 'Tags first seen without a valid signature (a warning, not a violation).',
    labelNames: ['registry'],
    registers: [registry],
    async collect() {
      if (!views) return;
      await guard(async () => {
        const { unsigned } = await views.store.stats();
        for (const name of views.registries) this.labels(name).set(unsigned.get(name) ?? 0);
      });
    },
  });
  new Gauge({
    name: 'signet_verdicts',
    help: 'Tags per verdict.',
    labelNames: ['registry', 'verdict'],
    registers: [registry],
    async collect() {
      if (!views) return;
      await guard(async () => {
        const { verdicts } = await views.store.stats();
        const counts = new Map(verdicts.map((v) => [`${v.registry}|${v.verdict}`, v.count]));
        const all: Verdict[] = ['signed', 'pending', 'unsigned', 'invalid', 'error'];
        for (const name of views.registries) for (const verdict of all) this.labels(name, verdict).set(counts.get(`${name}|${verdict}`) ?? 0);
      });
    },
  });
  new Gauge({
    name: 'signet_pending_oldest_seconds',
    help: 'Age of the oldest tag whose verdict is pending (0 when none).',
    labelNames: ['registry'],
    registers: [registry],
    async collect() {
      if (!views) return;
      await guard(async () => {
        for (const name of views.registries) {
          const oldest = await views.store.oldestPending(name);
          this.labels(name).set(oldest === undefined ? 0 : Math.max(0, (now() - oldest) / 1000));
        }
      });
    },
  });
  new Gauge({
    name: 'signet_catalog_available',
    help: "Whether the registry's _catalog answered at the last rescan (0: refused with 401/403/404 or DENIED/UNSUPPORTED; repositories then come from registries[].repositories and webhooks).",
    labelNames: ['registry'],
    registers: [registry],
    async collect() {
      if (!views) return;
      await guard(async () => {
        const seen = await views.store.catalogAvailability();
        for (const name of views.registries) {
          const available = seen.get(name);
          if (available !== undefined) this.labels(name).set(available ? 1 : 0);
        }
      });
    },
  });
  new Gauge({
    name: 'signet_rescan_last_success_timestamp_seconds',
    help: 'When the last full rescan finished (every repository checked).',
    registers: [registry],
    async collect() {
      if (!views) return;
      await guard(async () => {
        const at = await views.lastRescanSuccess();
        if (at !== undefined) this.set(at);
      });
    },
  });
  return {
    overwrites: new Counter({
      name: 'signet_tag_overwrites_total',
      help: 'Tags that came to point to another digest, by the verdict on the new digest.',
      labelNames: ['registry', 'result'],
      registers: [registry],
    }),
    violations: new Counter({
      name: 'signet_tag_violations_total',
      help: 'Violations raised (a tag moved to a digest without a valid signature, or rolled back), by reason.',
      labelNames: ['registry', 'reason'],
      registers: [registry],
    }),
    tagsScanned: new Counter({ name: 'signet_tags_scanned_total', help: 'Tags looked up (HEAD) by rescans and verify jobs.', labelNames: ['registry'], registers: [registry] }),
    signaturesFetched: new Counter({
      name: 'signet_signatures_fetched_total',
      help: 'Signature lookups (one per new or changed digest).',
      labelNames: ['registry'],
      registers: [registry],
    }),
    verifyErrors: new Counter({
      name: 'signet_verify_errors_total',
      help: 'Failed registry lookups (the tag is marked error and the job retried).',
      labelNames: ['registry', 'reason'],
      registers: [registry],
    }),
    rescanDuration: new Histogram({
      name: 'signet_rescan_duration_seconds',
      help: 'Duration of a full rescan (first repository job started to last one finished).',
      buckets: RESCAN_BUCKETS,
      registers: [registry],
    }),
  };
}
