// What an operator reads: the three services as processes, their stdout/stderr as written, against a real Redis
// that goes away under them and a real registry whose push travels receiver -> signer -> verifier.
import { readFileSync, statSync } from 'node:fs';
import { pushJobId } from '@signet/events';
import {
  freePort,
  makeTempDir,
  pushImage,
  sleep,
  startRedis,
  startRegistry,
  waitFor,
  type RedisServer,
  type RegistryServer,
  type RunningService,
} from '@signet/testing';
import { CI_BOT, notifyReceiver, startPipeline, writePipelineConfig } from './pipeline-env';

type Line = { text: string; json?: Record<string, unknown> };

/** The log file's lines from byte `from` on, each parsed as JSON where it is. */
function linesOf(svc: RunningService, from = 0): Line[] {
  return readFileSync(svc.logFile)
    .subarray(from)
    .toString('utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((text) => {
      try {
        const json = JSON.parse(text) as unknown;
        return json && typeof json === 'object' && !Array.isArray(json) ? { text, json: json as Record<string, unknown> } : { text };
      } catch {
        return { text };
      }
    });
}

describe('logs an operator can use', () => {
  let redis: RedisServer;
  let registry: RegistryServer;
  const services: RunningService[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    const receiverPort = await freePort();
    registry = await startRegistry({ users: { [CI_BOT.username]: CI_BOT.password }, notifications: notifyReceiver(receiverPort) });
    // The level an operator runs at.
    const pipeline = await writePipelineConfig({ dir: makeTempDir('logs'), registry, redis: { url: redis.url }, logLevel: 'info' });
    services.push(...(await startPipeline(pipeline, receiverPort, { LOG_LEVEL: 'info' })));
  });
  afterAll(async () => {
    for (const s of services) await s.stop();
    await registry?.teardown();
    await redis?.teardown();
  });

  const service = (app: RunningService['app']) => services.find((s) => s.app === app)!;

  it("carries the sender's event id and the push job id into every line the receiver, signer and verifier write about a push", async () => {
    const digest = await pushImage(registry.url, 'team/app:1.0.0', CI_BOT);
    const about = (app: RunningService['app']) => linesOf(service(app)).filter((l) => l.text.includes(digest));
    // The verifier judges the push after the signer decided it: its line is the last to come.
    await waitFor(async () => about('verifier').some((l) => l.json?.verdict === 'signed'), 30_000, "the verifier's line about the push");

    const received = about('webhook-receiver').find((l) => l.json?.eventId !== undefined);
    expect(received?.json).toBeDefined();
    const eventId = received!.json!.eventId as string;
    // The id is the one the receiver derives for the job, not a number of its own.
    const jobId = pushJobId({
      kind: 'push',
      registry: 'local',
      repository: 'team/app',
      digest,
      tag: '1.0.0',
      eventId,
      occurredAt: '',
      source: 'distribution',
    });
    expect(received!.json!.pushJobId).toBe(jobId);

    for (const app of ['webhook-receiver', 'signer', 'verifier'] as const) {
      const lines = about(app);
      expect(lines.length).toBeGreaterThan(0);
      for (const l of lines)
        expect({ app, line: l.json ?? l.text }).toEqual({ app, line: expect.objectContaining({ pushJobId: jobId, eventId }) });
    }
    expect(about('signer').map((l) => l.json?.decision)).toContain('signed');
  });

  it('writes only bounded JSON lines while Redis is down for 10 s, and one line per service when it is back', async () => {
    const offsets = new Map(services.map((s) => [s.app, statSync(s.logFile).size]));
    await redis.stop();
    await sleep(10_000);
    const down = new Map(services.map((s) => [s.app, linesOf(s, offsets.get(s.app))]));
    await redis.start();
    for (const s of services) await waitFor(async () => (await fetch(`${s.opsUrl}/readyz`)).status === 200, 20_000, `${s.app} ready again`);
    // The reconnects settle, then the line saying so is written.
    await sleep(3000);

    for (const s of services) {
      const lines = down.get(s.app)!;
      expect({ app: s.app, notJson: lines.filter((l) => !l.json).map((l) => l.text) }).toEqual({ app: s.app, notJson: [] });
      expect(lines.map((l) => l.text).join('\n')).not.toContain('Unhandled error event');
      // Measured: one line per service (the first error) for ~100 errors in 10 s.
      expect(lines.length).toBeLessThan(6);
      // The outage is reported, at warn, with the error's code.
      expect(lines.some((l) => l.json?.level === 'warn' && typeof l.json?.errorKind === 'string')).toBe(true);

      const after = linesOf(s, offsets.get(s.app)).slice(lines.length);
      expect({ app: s.app, notJson: after.filter((l) => !l.json).map((l) => l.text) }).toEqual({ app: s.app, notJson: [] });
      const restored = after.filter((l) => l.json?.msg === 'redis connection restored');
      expect({ app: s.app, restored: restored.length }).toEqual({ app: s.app, restored: 1 });
      expect(restored[0]!.json!.level).toBe('info');
    }
  });
});
