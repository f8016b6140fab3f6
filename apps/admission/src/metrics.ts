import { LATENCY_BUCKETS, metricFamilies, type MetricsRegistry } from '@signet/observability';

/** The admission webhook's metrics (names shared with the shipped alerts and dashboard). */
export function createAdmissionMetrics(registry: MetricsRegistry) {
  const { counter, histogram } = metricFamilies(registry);
  return {
    reviews: counter(
      'signet_admission_reviews_total',
      'AdmissionReviews answered, by how the verdict was reached (cache-hit, live, unreachable, timeout, unwatched, invalid-reference, none, malformed) and the decision.',
      ['webhook', 'outcome', 'decision'],
    ),
    images: counter('signet_admission_images_total', 'Images judged, by outcome and reason code.', ['outcome', 'reason']),
    latency: histogram('signet_admission_review_duration_seconds', 'Time to answer one AdmissionReview.', LATENCY_BUCKETS, [
      'webhook',
      'outcome',
    ]),
    certReloads: counter('signet_admission_certificate_reloads_total', 'Serving certificate reloads, by result.', ['result']),
  };
}
export type AdmissionMetrics = ReturnType<typeof createAdmissionMetrics>;
