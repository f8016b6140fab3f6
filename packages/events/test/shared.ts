import { readFileSync } from 'node:fs';
import { sharedDir } from '@signet/testing';
import path from 'node:path';
import type { WebhookHeaders } from '../src';

/** Fixtures beside the checkout, or the copy in testdata/. */
export const SHARED_DIR = sharedDir();
const WEBHOOKS_DIR = path.join(SHARED_DIR, 'fixtures', 'webhooks');

/** The exact bytes of a webhook fixture. */
export const webhookFixture = (relative: string): Buffer => readFileSync(path.join(WEBHOOKS_DIR, relative));
export const webhookFixtureJson = (relative: string): Record<string, unknown> => JSON.parse(webhookFixture(relative).toString('utf8'));

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
