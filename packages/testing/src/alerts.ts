import type { PrometheusServer } from './prometheus';

/** Whether Prometheus reports an alert firing whose labels include every one of `labels` (alertname among them). */
export async function alertFiring(prometheus: Pick<PrometheusServer, 'alerts'>, labels: Record<string, string>): Promise<boolean> {
  return (await prometheus.alerts()).some((a) => a.state === 'firing' && Object.entries(labels).every(([k, v]) => a.labels[k] === v));
}
