import { FIXTURE_DIGEST, now, webhookFixture, webhookFixtureJson } from '../../test/shared';
import { WebhookPayloadError } from '../errors';
import { parseWebhook } from '../parse';
import type { WebhookSource } from '@signet/oci';
import type { ParseOptions, WebhookHeaders } from '../types';

const parse = (source: WebhookSource, body: unknown, headers: WebhookHeaders = {}, options: ParseOptions = {}) => {
  const rawBody = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  return parseWebhook({ source, registry: 'main', rawBody, headers, options: { now, ...options } });
};
const only = (reason: string) => ({ events: [], ignored: [{ reason, count: 1 }] });
const detailsOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof WebhookPayloadError) return e.details;
    throw e;
  }
  throw new Error('expected a WebhookPayloadError');
};

describe('payload errors', () => {
  it('rejects a body that is not JSON', () => {
    expect(detailsOf(() => parse('quay', Buffer.from('{"repository":')))).toEqual([{ path: '', message: expect.any(String) }]);
    expect(detailsOf(() => parse('quay', Buffer.from([0xff, 0xfe, 0x7b])))).toHaveLength(1);
  });

  it('names the path of the offending field', () => {
    const body = webhookFixtureJson('distribution/manifest-push.real.json');
    const events = body['events'] as { target: Record<string, unknown> }[];
    if (events[0]) events[0].target['repository'] = 42;
    expect(detailsOf(() => parse('distribution', body))).toEqual([{ path: 'events.0.target.repository', message: expect.any(String) }]);
    expect(detailsOf(() => parse('dockerhub', { push_data: { tag: 'x' } }))).toEqual([{ path: 'repository', message: expect.any(String) }]);
  });
});

describe('Distribution and ACR details', () => {
  it('ignores a reference outside the OCI grammar instead of passing it on', () => {
    const body = webhookFixtureJson('distribution/manifest-push.real.json');
    const events = body['events'] as { target: Record<string, unknown> }[];
    if (events[0]) events[0].target['repository'] = '../../v2/other';
    expect(parse('distribution', body)).toEqual(only('invalid-reference'));
  });

  it("answers ACR's ping without an image", () => {
    expect(parse('acr', { id: 'p-1', timestamp: '2026-01-01T00:00:00Z', action: 'ping' })).toEqual(only('unsupported-action'));
  });

  it('reads an ACR push that omits the media type as a manifest push', () => {
    const body = webhookFixtureJson('acr/push.json');
    delete (body['target'] as Record<string, unknown>)['mediaType'];
    expect(parse('acr', body).events).toEqual([expect.objectContaining({ kind: 'push', tag: '1.0.0', digest: FIXTURE_DIGEST })]);
  });
});

describe('GitHub details', () => {
  const body = () => webhookFixtureJson('github/registry-package-published.json');
  const headers = { 'x-github-event': 'registry_package' };

  it('answers ping and other events without work, and requires the event header', () => {
    expect(parse('github', { zen: 'hi' }, { 'x-github-event': 'ping' })).toEqual(only('unsupported-event-type'));
    expect(detailsOf(() => parse('github', body()))).toEqual([{ path: 'headers.x-github-event', message: expect.any(String) }]);
  });

  it('ignores packages that are not containers', () => {
    const npm = body();
    (npm['registry_package'] as Record<string, unknown>)['package_type'] = 'npm';
    expect(parse('github', npm, headers)).toEqual(only('not-a-container'));
  });

  it('reads the older package event, the digest from package_version.version and a lowercased owner', () => {
    const b = body();
    const pkg = b['registry_package'] as Record<string, unknown>;
    delete b['registry_package'];
    b['package'] = { ...pkg, namespace: 'MyOrg', package_version: { version: FIXTURE_DIGEST } };
    const { events } = parse('github', b, { 'x-github-event': 'package' });
    expect(events).toEqual([expect.objectContaining({ repository: 'myorg/app', digest: FIXTURE_DIGEST })]);
    expect(events[0]).not.toHaveProperty('needsDigestResolution');
  });

  it('falls back to the body hash without X-GitHub-Delivery', () => {
    expect(parse('github', body(), headers).events[0]?.eventId).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('ECR details', () => {
  const withDetail = (detail: Record<string, unknown>) => {
    const body = webhookFixtureJson('ecr/image-push.json');
    body['detail'] = { ...(body['detail'] as object), ...detail };
    return body;
  };

  it('ignores unsuccessful actions and reads DELETE as a delete', () => {
    expect(parse('ecr', withDetail({ result: 'FAILURE' }))).toEqual(only('unsuccessful'));
    expect(parse('ecr', withDetail({ 'action-type': 'DELETE' })).events[0]?.kind).toBe('delete');
  });

  it('ignores other detail types, whatever their detail', () => {
    const body = { ...webhookFixtureJson('ecr/image-push.json'), 'detail-type': 'ECR Image Scan', detail: { findings: 1 } };
    expect(parse('ecr', body)).toEqual(only('unsupported-event-type'));
  });
});

describe('GAR details', () => {
  const options = { imagePathPrefix: 'https://us-docker.pkg.test/proj/' };
  const withData = (data: unknown) => {
    const body = webhookFixtureJson('gar/pubsub-push.json');
    (body['message'] as Record<string, unknown>)['data'] = Buffer.from(JSON.stringify(data)).toString('base64');
    return body;
  };

  it('drops host and project when no prefix is configured', () => {
    expect(parse('gar', webhookFixtureJson('gar/pubsub-push.json')).events[0]?.repository).toBe('repo/app');
  });

  it('ignores images under another host or project than the configured prefix', () => {
    expect(parse('gar', webhookFixture('gar/pubsub-push.json'), {}, { imagePathPrefix: 'europe-docker.pkg.test/proj' })).toEqual(
      only('outside-prefix'),
    );
  });

  it('reads DELETE by digest and ignores other actions', () => {
    const digest = `us-docker.pkg.test/proj/repo/app@${FIXTURE_DIGEST}`;
    expect(parse('gar', withData({ action: 'DELETE', digest }), {}, options).events).toEqual([
      expect.objectContaining({ kind: 'delete', repository: 'repo/app', digest: FIXTURE_DIGEST }),
    ]);
    expect(parse('gar', withData({ action: 'UPDATE', digest }), {}, options)).toEqual(only('unsupported-action'));
  });

  it('rejects data that is not base64 JSON, naming message.data', () => {
    const body = webhookFixtureJson('gar/pubsub-push.json');
    (body['message'] as Record<string, unknown>)['data'] = 'not base64!';
    expect(detailsOf(() => parse('gar', body))).toEqual([{ path: 'message.data', message: 'not base64' }]);
    expect(detailsOf(() => parse('gar', withData('just a string')))[0]?.path).toBe('message.data');
  });
});

describe('Artifactory details', () => {
  it("reads the documentation's flat payload like the wrapped one", () => {
    const wrapped = webhookFixtureJson('artifactory/docker-pushed.json');
    const flat = { event_type: 'pushed', ...(wrapped['data'] as object) };
    const [a] = parse('artifactory', wrapped).events;
    const [b] = parse('artifactory', flat).events;
    expect(b).toEqual({ ...a, eventId: expect.any(String) });
    expect(b?.digest).toBe(FIXTURE_DIGEST);
  });

  it('ignores promotions and other domains', () => {
    const body = webhookFixtureJson('artifactory/docker-pushed.json');
    expect(parse('artifactory', { ...body, event_type: 'promoted' })).toEqual(only('unsupported-event-type'));
    expect(parse('artifactory', { ...body, domain: 'artifact' })).toEqual(only('unsupported-event-type'));
  });
});
