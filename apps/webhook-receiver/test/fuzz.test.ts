import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PUSH_FIXTURES, sharedDir, startRedis, type RedisServer } from '@signet/testing';
import type { RunningReceiver } from '../src/service';
import { credentialsFor, GITHUB_SECRET, startTestReceiver } from './helpers';

// CloudEvents senders have no fixture of their own; Harbor's body stands in as a JSON template.
const FIXTURE: Record<string, string> = { ...PUSH_FIXTURES, cloudevents: PUSH_FIXTURES.harbor };

const printable = fc.string({ maxLength: 60 }).map((s) => s.replace(/[^\x20-\x7e]/g, ''));

/** Replaces one random leaf of a JSON value with an arbitrary value (wrong types, nulls, huge strings). */
function mutate(value: unknown, path: number[], replacement: unknown): unknown {
  if (path.length === 0 || value === null || typeof value !== 'object') return replacement;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return replacement;
  const [key, child] = entries[path[0]! % entries.length]!;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...(value as object) };
  (copy as Record<string, unknown>)[key] = mutate(child, path.slice(1), replacement);
  return copy;
}

describe('arbitrary bodies and headers', () => {
  let redis: RedisServer;
  let receiver: RunningReceiver;
  beforeAll(async () => {
    redis = await startRedis();
    receiver = await startTestReceiver(redis.url);
  });
  afterAll(async () => {
    await receiver?.close();
    await redis?.teardown();
  });

  it.each(Object.keys(FIXTURE))('%s: 1,000 requests get only 2xx/4xx answers and the process stays up', async (name) => {
    const base = JSON.parse(readFileSync(sharedDir('fixtures', 'webhooks', FIXTURE[name]!), 'utf8')) as unknown;
    const body = fc.oneof(
      fc.json().map((j) => Buffer.from(j)),
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      fc.tuple(fc.array(fc.nat(), { maxLength: 6 }), fc.jsonValue()).map(([path, v]) => Buffer.from(JSON.stringify(mutate(base, path, v)))),
    );
    const contentType = fc.constantFrom(
      'application/json',
      'application/vnd.docker.distribution.events.v1+json',
      'application/cloudevents+json',
      'text/plain',
      'application/json; charset=utf-8',
      'application/json; charset=latin-7',
    );
    const extraHeaders = fc.dictionary(
      fc.constantFrom(
        'x-github-event',
        'x-github-delivery',
        'ce-id',
        'ce-type',
        'ce-source',
        'ce-specversion',
        'authorization',
        'x-hub-signature-256',
        'content-encoding',
      ),
      printable,
    );
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(body, contentType, extraHeaders, fc.boolean(), async (b, ct, extra, authed) => {
        const creds = credentialsFor(name);
        const headers: Record<string, string> = { ...(authed ? creds.headers : {}), ...extra, 'content-type': ct };
        if (authed && name === 'github')
          headers['x-hub-signature-256'] = 'sha256=' + createHmac('sha256', GITHUB_SECRET).update(b).digest('hex');
        const res = await fetch(`${receiver.url}/webhooks/${name}${authed ? creds.path : ''}`, { method: 'POST', headers, body: b });
        const text = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect(res.status === 202 || (res.status >= 400 && res.status < 500)).toBe(true);
        if (res.status >= 400) expect(JSON.parse(text)).toHaveProperty('error');
      }),
      { numRuns: 1000 },
    );
    expect((await fetch(`${receiver.ops.url}/healthz`)).status).toBe(200);
    // The generators reach past authentication into parsing (400s), not only 401/415.
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
  });
});
