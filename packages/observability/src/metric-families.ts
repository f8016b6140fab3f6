import { Counter, Gauge, Histogram, type Registry as MetricsRegistry } from 'prom-client';

/**
 * Defines a service's metric families in one registry: each definition names the family, its help and its
 * labels, and nothing else (the registry is given once).
 */
export interface MetricFamilies {
  counter<L extends string = string>(name: string, help: string, labelNames?: readonly L[]): Counter<L>;
  histogram<L extends string = string>(name: string, help: string, buckets: readonly number[], labelNames?: readonly L[]): Histogram<L>;
  gauge<L extends string = string>(name: string, help: string, labelNames?: readonly L[]): Gauge<L>;
  /**
   * A gauge set at scrape time by `read`, from state other replicas share (Redis), so whichever replica is
   * scraped reports the same values. When `read` throws, the gauge keeps its last values: the outage is for
   * readiness to report, not a reason to fail the scrape.
   */
  scrapedGauge<L extends string = string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: (gauge: Gauge<L>) => Promise<void>,
  ): Gauge<L>;
}

export function metricFamilies(registry: MetricsRegistry): MetricFamilies {
  const registers = [registry];
  return {
    counter: (name, help, labelNames = []) => new Counter({ name, help, labelNames, registers }),
    histogram: (name, help, buckets, labelNames = []) => new Histogram({ name, help, labelNames, buckets: [...buckets], registers }),
    gauge: (name, help, labelNames = []) => new Gauge({ name, help, labelNames, registers }),
    scrapedGauge: (name, help, labelNames, read) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        async collect() {
          try {
            await read(this);
          } catch {
            /* keep the last values */
          }
        },
      }),
  };
}
