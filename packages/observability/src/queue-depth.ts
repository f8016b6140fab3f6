import { Gauge, type Registry as MetricsRegistry } from 'prom-client';

/** Anything with BullMQ's `getJobCounts` (a Queue). */
export interface CountableQueue {
  name: string;
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
}

const STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized', 'waiting-children'];

/**
 * `signet_queue_jobs{queue,state}`: job counts read from Redis at scrape time. This is the backlog figure
 * autoscalers (KEDA, HPA) and alerts use.
 */
export function queueDepthCollector(registry: MetricsRegistry, queues: CountableQueue[]): Gauge {
  return new Gauge({
    name: 'signet_queue_jobs',
    help: 'Jobs per Signet queue and state, read from Redis at scrape time.',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      for (const q of queues) {
        try {
          const counts = await q.getJobCounts(...STATES);
          for (const state of STATES) this.labels(q.name, state).set(counts[state] ?? 0);
        } catch {
          // Redis unreachable: keep the last values; readiness reports the outage.
        }
      }
    },
  });
}
