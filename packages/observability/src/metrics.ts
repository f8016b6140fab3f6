import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry as MetricsRegistry } from 'prom-client';

// prom-client calls it `Registry`; in a tool about container registries that name misleads.
export { Counter, Gauge, Histogram, MetricsRegistry };

/** A fresh metrics registry with process metrics and a `signet_build_info` gauge. */
export function createMetricsRegistry(service: string, version = '0.1.0'): MetricsRegistry {
  const registry = new MetricsRegistry();
  collectDefaultMetrics({ register: registry });
  const info = new Gauge({
    name: 'signet_build_info',
    help: 'Signet service and version (always 1).',
    labelNames: ['service', 'version'],
    registers: [registry],
  });
  info.labels(service, version).set(1);
  return registry;
}

/** Latency buckets in seconds, from 1 ms to 30 s. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
