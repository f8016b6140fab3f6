import { LATENCY_BUCKETS, metricFamilies, type MetricsRegistry } from '@signet/observability';

/** The receiver's metrics (names shared with the shipped rules and dashboard). */
export function createReceiverMetrics(registry: MetricsRegistry) {
  const { counter, histogram } = metricFamilies(registry);
  return {
    events: counter('signet_webhook_events_total', 'Webhook events by webhook, source and result (accepted, duplicate, ignored).', [
      'webhook',
      'source',
      'result',
    ]),
    requests: counter('signet_webhook_requests_total', 'Webhook HTTP requests by webhook and status code.', ['webhook', 'status']),
    authFailures: counter(
      'signet_webhook_auth_failures_total',
      'Webhook requests rejected because the sender could not be authenticated.',
      ['webhook'],
    ),
    duration: histogram('signet_webhook_request_duration_seconds', 'Time to answer a webhook request.', LATENCY_BUCKETS, ['webhook']),
    queueAdd: histogram('signet_queue_add_duration_seconds', "Time to add a webhook body's jobs to Redis.", LATENCY_BUCKETS),
  };
}
export type ReceiverMetrics = ReturnType<typeof createReceiverMetrics>;
