import { Counter, Histogram, LATENCY_BUCKETS, type MetricsRegistry } from '@signet/observability';

/** The receiver's metrics (names shared with the shipped rules and dashboard). */
export function createReceiverMetrics(registry: MetricsRegistry) {
  return {
    events: new Counter({
      name: 'signet_webhook_events_total',
      help: 'Webhook events by webhook, source and result (accepted, duplicate, ignored).',
      labelNames: ['webhook', 'source', 'result'],
      registers: [registry],
    }),
    requests: new Counter({
      name: 'signet_webhook_requests_total',
      help: 'Webhook HTTP requests by webhook and status code.',
      labelNames: ['webhook', 'status'],
      registers: [registry],
    }),
    authFailures: new Counter({
      name: 'signet_webhook_auth_failures_total',
      help: 'Webhook requests rejected because the sender could not be authenticated.',
      labelNames: ['webhook'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'signet_webhook_request_duration_seconds',
      help: 'Time to answer a webhook request.',
      labelNames: ['webhook'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    queueAdd: new Histogram({
      name: 'signet_queue_add_duration_seconds',
      help: "Time to add a webhook body's jobs to Redis.",
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
  };
}
export type ReceiverMetrics = ReturnType<typeof createReceiverMetrics>;
