import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { WebhookHeaders } from '../src';

function repoRoot(from: string): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'nx.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('nx.json not found above ' + from);
    dir = parent;
  }
  return dir;
}

/** `shared/` sits next to the repository root. */
export const SHARED_DIR = path.resolve(repoRoot(__dirname), '..', 'shared');
const WEBHOOKS_DIR = path.join(SHARED_DIR, 'fixtures', 'webhooks');

/** The exact bytes of a webhook fixture. */
export const webhookFixture = (relative: string): Buffer => readFileSync(path.join(WEBHOOKS_DIR, relative));
export const webhookFixtureJson = (relative: string): Record<string, unknown> =>
  JSON.parse(webhookFixture(relative).toString('utf8'));

/** The manifest digest carried by every constructed fixture. */
export const FIXTURE_DIGEST = readFileSync(path.join(WEBHOOKS_DIR, 'DIGEST'), 'utf8').trim();

/** A request recorded from a real Distribution registry by the harness listener. */
export function capturedRequest(name: string): { headers: WebhookHeaders; rawBody: Buffer; body: unknown } {
  const record = JSON.parse(readFileSync(path.join(SHARED_DIR, 'harness', 'captured', name), 'utf8'));
  const body = typeof record.body === 'string' ? JSON.parse(record.body) : record.body;
  return { headers: record.headers, rawBody: Buffer.from(JSON.stringify(body)), body };
}

export const FIXED_NOW = new Date('2030-01-02T03:04:05.000Z');
export const now = (): Date => FIXED_NOW;
