import { LATENCY_BUCKETS, metricFamilies, type Counter, type Gauge, type Histogram, type MetricsRegistry } from '@signet/observability';

/** `signet_signatures_total{result}` values: the signer's decisions, plus `skipped` for tagless child pushes. */
export type SignResult = 'signed' | 'already_signed' | 'untrusted' | 'unverifiable' | 'failed' | 'deleted' | 'skipped';

export interface SignerMetrics {
  signatures: Counter<'registry' | 'result'>;
  signDuration: Histogram;
  jobsFailed: Counter<'final' | 'reason'>;
  keyInfo: Gauge<'fingerprint'>;
  signingLag: Histogram;
  artifactsDropped: Counter<'registry' | 'reason'>;
}

const LAG_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600];

/**
 * `registries`: the configured registry names. Their `signet_signatures_total{result="failed"}` series start at 0,
 * so the first final failure is an increase Prometheus can see (a series born at 1 shows no `increase`).
 */
export function createSignerMetrics(registry: MetricsRegistry, registries: string[] = []): SignerMetrics {
  const { counter, histogram, gauge } = metricFamilies(registry);
  const metrics: SignerMetrics = {
    signatures: counter(
      'signet_signatures_total',
      'Push jobs by outcome: signed, already_signed, untrusted, unverifiable (trusted pusher, but the event named no digest), failed (for good), deleted, skipped (tagless child manifests).',
      ['registry', 'result'],
    ),
    signDuration: histogram('signet_sign_duration_seconds', 'From the start of a push job to its signature being stored.', LATENCY_BUCKETS),
    jobsFailed: counter(
      'signet_signer_jobs_failed_total',
      'Failed push job attempts by reason; final="false" ones are retried with backoff, final="true" ones (a permanent error or the last attempt) leave the push unsigned.',
      ['final', 'reason'],
    ),
    keyInfo: gauge('signet_signer_key_info', 'Fingerprint of the signing key in use (always 1).', ['fingerprint']),
    signingLag: histogram('signet_signing_lag_seconds', 'From the push (event time) to its signature being stored.', LAG_BUCKETS),
    artifactsDropped: counter(
      'signet_signature_artifacts_dropped_total',
      "Signature artifacts the signer left out when it rewrote a digest's .sig tag (unreadable, over a limit, beyond the newest layers kept), by the reader's rejection code. Anyone who can push can write that tag.",
      ['registry', 'reason'],
    ),
  };
  for (const name of registries) metrics.signatures.labels(name, 'failed').inc(0);
  return metrics;
}
