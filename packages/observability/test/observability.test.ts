import { Writable } from 'node:stream';
import { Counter, createLogger, createMetricsRegistry, queueDepthCollector, startOpsServer } from '../src';

describe('logger', () => {
  it('writes one JSON object per line and redacts secret fields', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, cb) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        cb();
      },
    });
    const log = createLogger({ service: 'test', destination });
    log.info({ password: 'hunter2', registry: { token: 'tkn' }, headers: { authorization: 'Bearer abc' }, digest: 'sha256:1' }, 'hello');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ level: 'info', service: 'test', msg: 'hello', digest: 'sha256:1', password: '[redacted]' });
    expect(lines[0]).not.toMatch(/hunter2|tkn|Bearer abc/);
  });
});

describe('ops server', () => {
  it('serves /metrics, /healthz and /readyz', async () => {
    const metrics = createMetricsRegistry('test');
    new Counter({ name: 'signet_test_total', help: 'test', registers: [metrics] }).inc(3);
    let ready = false;
    queueDepthCollector(metrics, [{ name: 'signet.push', getJobCounts: async () => ({ waiting: 7 }) }]);
    const ops = await startOpsServer({ port: 0, host: '127.0.0.1', metrics, ready: async () => ready });
    const base = `http://127.0.0.1:${ops.port}`;
    try {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(503);
      ready = true;
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const text = await (await fetch(`${base}/metrics`)).text();
      expect(text).toContain('signet_test_total 3');
      expect(text).toContain('signet_build_info{service="test",version="0.1.0"} 1');
      expect(text).toContain('signet_queue_jobs{queue="signet.push",state="waiting"} 7');
      expect((await fetch(`${base}/nope`)).status).toBe(404);
    } finally {
      await ops.close();
    }
  });
});
