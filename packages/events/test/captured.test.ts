import { authenticate, isAcceptedContentType, parseWebhook, pushJobId } from '../src';
import { capturedRequest, now } from './shared';

// Requests recorded from a real Distribution 2.8.2 registry, headers included.
const parseCaptured = (name: string) => {
  const { headers, rawBody } = capturedRequest(name);
  return parseWebhook({ source: 'distribution', registry: 'local', rawBody, headers, options: { now } });
};

describe('real Distribution notification requests', () => {
  it('accepts their content type and their bearer token', () => {
    const { headers, rawBody } = capturedRequest('registry-notify-manifest-push.json');
    const contentType = headers['content-type'];
    expect(typeof contentType).toBe('string');
    expect(isAcceptedContentType('distribution', contentType as string)).toBe(true);
    expect(authenticate({ type: 'bearer', token: 'harness-token-123' }, { headers, rawBody })).toEqual({ ok: true });
    expect(authenticate({ type: 'bearer', token: 'another-token' }, { headers, rawBody })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('turns the manifest push into one push of demo/app:1.0.0', () => {
    expect(parseCaptured('registry-notify-manifest-push.json').events).toEqual([
      expect.objectContaining({
        kind: 'push',
        registry: 'local',
        repository: 'demo/app',
        tag: '1.0.0',
        digest: 'sha256:3c1b4d9adaf2e9c68a369bec5c9c473b4dec6d7df8434d1672ff9f90542dada6',
        eventId: 'ad981b27-d05e-40f3-b725-c105cc11d4fb',
      }),
    ]);
  });

  it.each([
    ['registry-notify-blob-push.json', 'not-a-manifest'],
    ['registry-notify-manifest-pull.json', 'pull'],
    ['registry-notify-sig-manifest-push.json', 'signature-artifact'],
  ])('ignores %s as %s', (name, reason) => {
    expect(parseCaptured(name)).toEqual({ events: [], ignored: [{ reason, count: 1 }] });
  });

  it('passes both deletes on', () => {
    const events = [
      ...parseCaptured('registry-notify-manifest-delete.json').events,
      ...parseCaptured('registry-notify-tag-delete.json').events,
    ];
    expect(events.map((e) => [e.kind, e.repository, e.digest ?? e.tag])).toEqual([
      ['delete', 'demo/down', 'sha256:430540158e899c6dd8099ff852acebc6ec8baf945317fb50f5deae3dd974d3ce'],
      ['delete', 'demo/down', '1'],
    ]);
  });

  it('reads every event of an envelope holding several, in order, with per-event ids', () => {
    const names = [
      'registry-notify-blob-push.json',
      'registry-notify-manifest-push.json',
      'registry-notify-manifest-pull.json',
      'registry-notify-sig-manifest-push.json',
      'registry-notify-manifest-delete.json',
      'registry-notify-tag-delete.json',
    ];
    const events = names.flatMap((n) => (capturedRequest(n).body as { events: unknown[] }).events);
    const { headers } = capturedRequest(names[0] ?? '');
    const rawBody = Buffer.from(JSON.stringify({ events }));
    const result = parseWebhook({ source: 'distribution', registry: 'local', rawBody, headers });

    expect(result.events.map((e) => [e.kind, e.eventId])).toEqual([
      ['push', 'ad981b27-d05e-40f3-b725-c105cc11d4fb'],
      ['delete', '59b4ffa1-baa5-4938-b6f2-e599ae97c926'],
      ['delete', '9eb09c79-4efa-468d-adfa-a92499c88231'],
    ]);
    expect(result.ignored).toEqual([
      { reason: 'not-a-manifest', count: 1 },
      { reason: 'pull', count: 1 },
      { reason: 'signature-artifact', count: 1 },
    ]);
    expect(new Set(result.events.map(pushJobId)).size).toBe(3);
  });

  it('gives a redelivered event the same job id', () => {
    const first = parseCaptured('registry-notify-manifest-push.json').events[0];
    const again = parseCaptured('registry-notify-manifest-push.json').events[0];
    expect(first && pushJobId(first)).toBe(again && pushJobId(again));
  });
});
