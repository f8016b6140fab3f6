import { register as globalRegistry } from 'prom-client';
import { MetricsRegistry, metricFamilies } from '../src';

describe('metricFamilies', () => {
  it('defines counters, histograms and gauges in the one registry it is given, with their help and labels', async () => {
    const registry = new MetricsRegistry();
    const { counter, histogram, gauge } = metricFamilies(registry);
    counter('signet_test_events_total', 'Events seen.', ['source']).labels('harbor').inc(2);
    histogram('signet_test_duration_seconds', 'How long.', [0.5, 1]).observe(0.7);
    gauge('signet_test_level', 'A level.').set(4);
    const text = await registry.metrics();
    expect(text).toContain('# HELP signet_test_events_total Events seen.');
    expect(text).toContain('signet_test_events_total{source="harbor"} 2');
    expect(text).toContain('signet_test_duration_seconds_bucket{le="0.5"} 0');
    expect(text).toContain('signet_test_duration_seconds_bucket{le="1"} 1');
    expect(text).toContain('signet_test_level 4');
    // Never prom-client's global registry, which every test and service in the process would share.
    expect(globalRegistry.getSingleMetric('signet_test_events_total')).toBeUndefined();
  });

  it('reads a scraped gauge at every scrape and keeps its last values when the read fails', async () => {
    const registry = new MetricsRegistry();
    let level: number | Error = 3;
    metricFamilies(registry).scrapedGauge('signet_test_shared', 'Read from shared state.', ['registry'], async (g) => {
      if (level instanceof Error) throw level;
      g.labels('hub').set(level);
    });
    expect(await registry.metrics()).toContain('signet_test_shared{registry="hub"} 3');
    level = 5;
    expect(await registry.metrics()).toContain('signet_test_shared{registry="hub"} 5');
    level = new Error('redis is down');
    expect(await registry.metrics()).toContain('signet_test_shared{registry="hub"} 5');
  });
});
