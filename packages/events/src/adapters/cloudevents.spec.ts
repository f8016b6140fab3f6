import { webhookFixtureJson, now, FIXTURE_DIGEST } from '../../test/shared';
import { WebhookPayloadError } from '../errors';
import { parseWebhook } from '../parse';
import type { WebhookSource } from '@signet/oci';
import type { WebhookHeaders } from '../types';

// Most cases here come with a shared secret (bearer, header), which authenticates the headers too.
const parse = (source: WebhookSource, body: unknown, headers: WebhookHeaders = {}, headersAuthenticated = true) =>
  parseWebhook({ source, registry: 'main', rawBody: Buffer.from(JSON.stringify(body)), headers, headersAuthenticated, options: { now } });
/** As under hmac-sha256: only the body is proven. */
const parseSigned = (source: WebhookSource, body: unknown, headers: WebhookHeaders = {}) => parse(source, body, headers, false);

// Harbor's CloudEvents format carries the default format's `event_data` as `data`.
const harborData = () => webhookFixtureJson('harbor/push-artifact.json')['event_data'];
const ceHeaders = (type: string): WebhookHeaders => ({
  'content-type': 'application/json',
  'ce-specversion': '1.0',
  'ce-id': 'ce-42',
  'ce-type': type,
  'ce-source': '/projects/2/webhook/policies/15',
  'ce-time': '2026-11-24T10:00:00Z',
  'ce-operator': 'ci-bot',
});

const harborPush = {
  kind: 'push',
  registry: 'main',
  repository: 'team/app',
  tag: '1.0.0',
  digest: FIXTURE_DIGEST,
  actor: 'ci-bot',
  eventId: 'ce-42',
  occurredAt: '2026-11-24T10:00:00.000Z',
};

describe('Harbor CloudEvents format', () => {
  it('reads binary mode: ce-* headers, data in the body, operator from the extension', () => {
    const result = parse('harbor', harborData(), ceHeaders('harbor.artifact.pushed'));
    expect(result.events).toEqual([{ ...harborPush, source: 'harbor' }]);
  });

  it('reads structured mode with the same result', () => {
    const body = {
      specversion: '1.0',
      id: 'ce-42',
      type: 'harbor.artifact.pushed',
      source: '/p',
      time: '2026-11-24T10:00:00Z',
      operator: 'ci-bot',
      data: harborData(),
    };
    const headers = { 'content-type': 'application/cloudevents+json' };
    expect(parse('harbor', body, headers).events).toEqual([{ ...harborPush, source: 'harbor' }]);
    expect(parse('cloudevents', body, headers).events).toEqual([{ ...harborPush, source: 'cloudevents' }]);
  });

  it('turns harbor.artifact.deleted into a delete and ignores pulls and scans', () => {
    expect(parse('harbor', harborData(), ceHeaders('harbor.artifact.deleted')).events[0]?.kind).toBe('delete');
    expect(parse('harbor', { anything: true }, ceHeaders('harbor.scan.completed'))).toEqual({
      events: [],
      ignored: [{ reason: 'unsupported-event-type', count: 1 }],
    });
  });

  it('rejects binary mode without a ce-id, naming the header', () => {
    const { 'ce-id': _id, ...headers } = ceHeaders('harbor.artifact.pushed');
    expect(() => parse('harbor', harborData(), headers)).toThrow(
      expect.objectContaining({
        code: 'INVALID_PAYLOAD',
        details: [{ path: 'headers.ce-id', message: expect.any(String) }],
      }),
    );
  });
});

describe('Harbor default format details', () => {
  it('drops a tag that is really the digest (push by digest) and numbers several resources', () => {
    const body = webhookFixtureJson('harbor/push-artifact.json');
    const other = 'sha256:' + 'b'.repeat(64);
    (body['event_data'] as { resources: unknown[] }).resources = [
      { digest: FIXTURE_DIGEST, tag: FIXTURE_DIGEST },
      { digest: other, tag: 'latest' },
    ];
    const events = parse('harbor', body).events;
    expect(events.map((e) => [e.tag, e.digest])).toEqual([
      [undefined, FIXTURE_DIGEST],
      ['latest', other],
    ]);
    expect(events.map((e) => e.eventId)).toEqual([expect.stringMatching(/^sha256:[0-9a-f]{64}-0$/), expect.stringMatching(/-1$/)]);
  });

  it('ignores event types that are not pushes or deletes, whatever their shape', () => {
    expect(parse('harbor', { type: 'SCANNING_COMPLETED', event_data: { scan_overview: {} } }).ignored).toEqual([
      { reason: 'unsupported-event-type', count: 1 },
    ]);
  });
});

describe('generic CloudEvents (zot)', () => {
  const zotData = {
    name: 'team/app',
    reference: '1.0.0',
    digest: FIXTURE_DIGEST,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    actor: { name: 'ci-bot' },
  };

  it('reads an image update in binary mode', () => {
    expect(parse('cloudevents', zotData, ceHeaders('zotregistry.image.updated')).events).toEqual([
      { ...harborPush, mediaType: zotData.mediaType, source: 'cloudevents' },
    ]);
  });

  it('takes a digest reference as the digest, and reads deletes', () => {
    const data = { name: 'team/app', reference: FIXTURE_DIGEST };
    const body = { specversion: '1.0', id: 'z-1', type: 'com.example.registry.image.deleted', source: 's', data };
    expect(parse('cloudevents', body).events).toEqual([
      expect.objectContaining({ kind: 'delete', repository: 'team/app', digest: FIXTURE_DIGEST, eventId: 'z-1' }),
    ]);
  });

  it('ignores a signature pushed under its cosign tag and other event types', () => {
    const sig = { ...zotData, reference: `sha256-${FIXTURE_DIGEST.slice(7)}.sig` };
    expect(parse('cloudevents', sig, ceHeaders('zotregistry.image.updated')).ignored).toEqual([{ reason: 'signature-artifact', count: 1 }]);
    expect(parse('cloudevents', {}, ceHeaders('zotregistry.repository.created')).ignored).toEqual([
      { reason: 'unsupported-event-type', count: 1 },
    ]);
  });

  it('rejects a structured event without an id, and image data without a repository', () => {
    const noId = { specversion: '1.0', type: 'x.image.updated', data: zotData };
    expect(() => parse('cloudevents', noId)).toThrow(WebhookPayloadError);
    expect(() => parse('cloudevents', { reference: 'x' }, ceHeaders('zotregistry.image.updated'))).toThrow(
      expect.objectContaining({ details: [{ path: 'data.name', message: 'required' }] }),
    );
  });
});

describe('under a body signature (hmac-sha256), identity comes from the body alone', () => {
  const structured = (operator: string) => ({
    specversion: '1.0',
    id: 'ce-42',
    type: 'harbor.artifact.pushed',
    source: '/p',
    time: '2026-11-24T10:00:00Z',
    operator,
    data: harborData(),
  });

  it.each(['harbor', 'cloudevents'] as const)('refuses binary mode for %s, naming the unsigned ce-* attributes', (source) => {
    expect(() => parseSigned(source, harborData(), ceHeaders('harbor.artifact.pushed'))).toThrow(
      expect.objectContaining({
        code: 'UNSIGNED_ATTRIBUTES',
        message: expect.stringMatching(/binary mode/),
        details: [{ path: 'headers.ce-specversion', message: expect.any(String) }],
      }),
    );
  });

  it('refuses a signed delete retyped as an update through ce-type', () => {
    const data = { name: 'team/app', reference: FIXTURE_DIGEST, actor: { name: 'ci-bot' } };
    expect(() => parseSigned('cloudevents', data, ceHeaders('zotregistry.image.updated'))).toThrow(
      expect.objectContaining({ code: 'UNSIGNED_ATTRIBUTES' }),
    );
  });

  it('refuses a signed default-format Harbor body dressed up with ce-* headers', () => {
    const body = webhookFixtureJson('harbor/push-artifact.json');
    expect(() => parseSigned('harbor', body, ceHeaders('harbor.artifact.pushed'))).toThrow(
      expect.objectContaining({ code: 'UNSIGNED_ATTRIBUTES' }),
    );
  });

  it('reads structured mode, operator and id from the body, whatever ce-* headers come beside it', () => {
    const headers = { 'content-type': 'application/cloudevents+json', 'ce-operator': 'ci-bot', 'ce-id': 'forged' };
    expect(parseSigned('harbor', structured('mallory'), headers).events).toEqual([{ ...harborPush, actor: 'mallory', source: 'harbor' }]);
    expect(parseSigned('cloudevents', structured('mallory'), headers).events).toEqual([
      { ...harborPush, actor: 'mallory', source: 'cloudevents' },
    ]);
  });

  it("reads the default Harbor format's operator from the body, whatever headers come beside it", () => {
    const body = webhookFixtureJson('harbor/push-artifact.json');
    body['operator'] = 'mallory';
    expect(parseSigned('harbor', body, { 'ce-operator': 'ci-bot' }).events).toEqual([
      expect.objectContaining({ actor: 'mallory', repository: 'team/app', digest: FIXTURE_DIGEST }),
    ]);
  });
});
