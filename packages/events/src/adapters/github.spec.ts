import { FIXTURE_DIGEST, webhookFixture, webhookFixtureJson } from '../../test/shared';
import { pushJobId } from '../job-id';
import { parseWebhook } from '../parse';
import type { ParseOptions, WebhookHeaders } from '../types';

const HOUR = 3_600_000;
const NOW = new Date('2026-12-02T12:00:00.000Z');
const now = () => NOW;
const headers = (delivery: string): WebhookHeaders => ({ 'x-github-event': 'registry_package', 'x-github-delivery': delivery });
const parse = (rawBody: Buffer, h: WebhookHeaders, options: ParseOptions = {}) =>
  parseWebhook({ source: 'github', registry: 'main', rawBody, headers: h, options: { now, ...options } });

/** The fixture's delivery with its package and version times set (a real delivery carries them). */
function dated(times: { version?: string; versionCreated?: string; pkg?: string }): Buffer {
  const body = webhookFixtureJson('github/registry-package-published.json');
  const pkg = body['registry_package'] as Record<string, unknown>;
  const version = pkg['package_version'] as Record<string, unknown>;
  if (times.pkg) pkg['updated_at'] = times.pkg;
  if (times.version) version['updated_at'] = times.version;
  if (times.versionCreated) version['created_at'] = times.versionCreated;
  return Buffer.from(JSON.stringify(body));
}
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

describe('GitHub: identity from the signed body only', () => {
  it('gives a delivery resent under a new X-GitHub-Delivery the same event and job id', () => {
    const body = webhookFixture('github/registry-package-published.json');
    const [a] = parse(body, headers('delivery-1')).events;
    const [b] = parse(body, headers('delivery-2')).events;
    expect(a?.eventId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b).toEqual(a);
    expect(pushJobId(b!)).toBe(pushJobId(a!));
  });

  it('gives different signed bodies different job ids', () => {
    const [a] = parse(dated({ version: ago(HOUR) }), headers('d')).events;
    const [b] = parse(dated({ version: ago(2 * HOUR) }), headers('d')).events;
    expect(pushJobId(a!)).not.toBe(pushJobId(b!));
  });

  it('reads no push from a rewritten X-GitHub-Event: a ping label only makes a package delivery ignored', () => {
    const body = webhookFixture('github/registry-package-published.json');
    expect(parse(body, { 'x-github-event': 'ping' })).toEqual({ events: [], ignored: [{ reason: 'unsupported-event-type', count: 1 }] });
    expect(() => parse(Buffer.from('{"zen":"hi","hook_id":1}'), headers('d'))).toThrow(
      expect.objectContaining({ code: 'INVALID_PAYLOAD' }),
    );
  });
});

describe('GitHub: maximum event age', () => {
  const window = { maxEventAgeMs: 24 * HOUR };

  it('accepts a delivery inside the window', () => {
    const { events } = parse(dated({ version: ago(23 * HOUR), pkg: ago(23 * HOUR) }), headers('d'), window);
    expect(events).toEqual([expect.objectContaining({ repository: 'org/app', digest: FIXTURE_DIGEST, actor: 'ci-bot' })]);
  });

  it('refuses one older than the window, naming the signed time it judged', () => {
    expect(() => parse(dated({ version: ago(25 * HOUR) }), headers('d'), window)).toThrow(
      expect.objectContaining({
        code: 'STALE_EVENT',
        message: expect.stringMatching(/older than the 24h window/),
        details: [{ path: 'registry_package.package_version.updated_at', message: expect.stringMatching(/1500 minutes ago/) }],
      }),
    );
  });

  it('judges by the newest signed time: a version published long ago but updated now is fresh', () => {
    const body = dated({ versionCreated: ago(90 * 24 * HOUR), version: ago(HOUR) });
    expect(parse(body, headers('d'), window).events).toHaveLength(1);
    const stale = dated({ versionCreated: ago(90 * 24 * HOUR), pkg: ago(30 * HOUR) });
    expect(() => parse(stale, headers('d'), window)).toThrow(
      expect.objectContaining({ code: 'STALE_EVENT', details: [expect.objectContaining({ path: 'registry_package.updated_at' })] }),
    );
  });

  it('refuses a body with no time while a window is set, and reads it without one', () => {
    const undated = webhookFixture('github/registry-package-published.json');
    expect(() => parse(undated, headers('d'), window)).toThrow(
      expect.objectContaining({ code: 'UNDATED_EVENT', message: expect.stringMatching(/no time/) }),
    );
    expect(() => parse(dated({ version: 'not a time' }), headers('d'), window)).toThrow(expect.objectContaining({ code: 'UNDATED_EVENT' }));
    expect(parse(undated, headers('d'), { maxEventAgeMs: 0 }).events).toHaveLength(1);
    expect(parse(dated({ version: ago(400 * 24 * HOUR) }), headers('d')).events).toHaveLength(1);
  });

  it('answers ping and other ignored deliveries without asking their age', () => {
    expect(parse(Buffer.from('{"zen":"hi"}'), { 'x-github-event': 'ping' }, window).ignored).toEqual([
      { reason: 'unsupported-event-type', count: 1 },
    ]);
    const npm = webhookFixtureJson('github/registry-package-published.json');
    (npm['registry_package'] as Record<string, unknown>)['package_type'] = 'npm';
    expect(parse(Buffer.from(JSON.stringify(npm)), headers('d'), window).ignored).toEqual([{ reason: 'not-a-container', count: 1 }]);
  });
});
