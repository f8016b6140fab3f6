import { Counter, Histogram, LATENCY_BUCKETS, type MetricsRegistry } from '@signet/observability';

/** The admission webhook's metrics (names shared with the shipped alerts and dashboard). */
export function createAdmissionMetrics(registry: MetricsRegistry) {
  return {
    reviews: new Counter({
      name: 'signet_admission_reviews_total',
      help: 'AdmissionReviews answered, by how the verdict was reached (cache-hit, live, unreachable, timeout, unwatched, invalid-reference, none, malformed) and the decision.',
      labelNames: ['webhook', 'outcome', 'decision'],
      registers: [registry],
    }),
    images: new Counter({
      name: 'signet_admission_images_total',
      help: 'Images judged, by outcome and reason code.',
      labelNames: ['outcome', 'reason'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'signet_admission_review_duration_seconds',
      help: 'Time to answer one AdmissionReview.',
      labelNames: ['webhook', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    certReloads: new Counter({
      name: 'signet_admission_certificate_reloads_total',
      help: 'Serving certificate reloads, by result.',
      labelNames: ['result'],
      registers: [registry],
    }),
  };
}
export type AdmissionMetrics = ReturnType<typeof createAdmissionMetrics>;
