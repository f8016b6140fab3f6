import { createHash } from 'node:crypto';
import type { WebhookSource } from '@signet/oci';
import { parseWebhook, type ParseOptions, type WebhookHeaders } from '../src';
import { FIXED_NOW, FIXTURE_DIGEST, now, webhookFixture } from './shared';

const REGISTRY = 'main';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

function parseFixture(source: WebhookSource, file: string, headers: WebhookHeaders = {}, options: ParseOptions = {}) {
  return parseWebhook({ source, registry: REGISTRY, rawBody: webhookFixture(file), headers, options: { now, ...options } });
}

const bodyHash = (file: string) => 'sha256:' + createHash('sha256').update(webhookFixture(file)).digest('hex');

describe('Distribution fixtures (real bytes from Distribution 2.8.2)', () => {
  it('turns a manifest push into one push with the target repository, tag, digest and no actor', () => {
    expect(parseFixture('distribution', 'distribution/manifest-push.real.json')).toEqual({
      events: [
        {
          kind: 'push',
          registry: REGISTRY,
          repository: 'demo/app',
          tag: '1.0.0',
          digest: 'sha256:3c1b4d9adaf2e9c68a369bec5c9c473b4dec6d7df8434d1672ff9f90542dada6',
          mediaType: OCI_MANIFEST,
          eventId: 'ad981b27-d05e-40f3-b725-c105cc11d4fb',
          occurredAt: '2026-11-24T21:04:19.195Z',
          source: 'distribution',
        },
      ],
      ignored: [],
    });
  });

  it('ignores a blob push and counts it', () => {
    expect(parseFixture('distribution', 'distribution/blob-push.real.json')).toEqual({
      events: [],
      ignored: [{ reason: 'not-a-manifest', count: 1 }],
    });
  });

  it('never turns a pushed sha256-<hex>.sig signature manifest into a push', () => {
    expect(parseFixture('distribution', 'distribution/sig-manifest-push.real.json')).toEqual({
      events: [],
      ignored: [{ reason: 'signature-artifact', count: 1 }],
    });
  });

  it('passes on a manifest delete by digest and its tag delete as deletes', () => {
    const byDigest = parseFixture('distribution', 'distribution/manifest-delete.real.json');
    const byTag = parseFixture('distribution', 'distribution/tag-delete.real.json');
    expect(byDigest.events).toEqual([
      {
        kind: 'delete',
        registry: REGISTRY,
        repository: 'demo/down',
        digest: 'sha256:430540158e899c6dd8099ff852acebc6ec8baf945317fb50f5deae3dd974d3ce',
        eventId: '59b4ffa1-baa5-4938-b6f2-e599ae97c926',
        occurredAt: '2026-11-24T21:06:10.820Z',
        source: 'distribution',
      },
    ]);
    expect(byTag.events).toEqual([
      {
        kind: 'delete',
        registry: REGISTRY,
        repository: 'demo/down',
        tag: '1',
        eventId: '9eb09c79-4efa-468d-adfa-a92499c88231',
        occurredAt: '2026-11-24T21:06:10.822Z',
        source: 'distribution',
      },
    ]);
  });
});

/** A constructed fixture that carries one push, and the push's fields beyond kind, registry and source. */
interface OnePush {
  name: string;
  source: WebhookSource;
  file: string;
  headers?: WebhookHeaders;
  options?: ParseOptions;
  push: Record<string, unknown>;
}

const AT_FIXTURE_TIME = new Date(1795550000 * 1000).toISOString();
const TEAM_APP = { repository: 'team/app', tag: '1.0.0', digest: FIXTURE_DIGEST };

const ONE_PUSH: OnePush[] = [
  {
    name: 'Harbor PUSH_ARTIFACT: team/app:1.0.0 by ci-bot, id from the body hash',
    source: 'harbor',
    file: 'harbor/push-artifact.json',
    push: { ...TEAM_APP, actor: 'ci-bot', eventId: bodyHash('harbor/push-artifact.json'), occurredAt: AT_FIXTURE_TIME },
  },
  {
    name: 'GitHub registry_package published: org/app:1.0.0 by ci-bot, id from the signed body, not X-GitHub-Delivery',
    source: 'github',
    file: 'github/registry-package-published.json',
    headers: { 'x-github-event': 'registry_package', 'x-github-delivery': 'delivery-1' },
    push: {
      ...TEAM_APP,
      repository: 'org/app',
      actor: 'ci-bot',
      eventId: bodyHash('github/registry-package-published.json'),
      occurredAt: FIXED_NOW.toISOString(),
    },
  },
  {
    name: 'Docker Hub push: org/app:1.0.0 by ci-bot without a digest, to be resolved',
    source: 'dockerhub',
    file: 'dockerhub/push.json',
    push: {
      repository: 'org/app',
      tag: '1.0.0',
      actor: 'ci-bot',
      eventId: bodyHash('dockerhub/push.json'),
      occurredAt: AT_FIXTURE_TIME,
      needsDigestResolution: true,
    },
  },
  {
    name: 'ACR push: team/app:1.0.0 with the digest and the event id',
    source: 'acr',
    file: 'acr/push.json',
    push: { ...TEAM_APP, mediaType: OCI_MANIFEST, eventId: '0b1c2d3e-aaaa-bbbb-cccc-000000000001', occurredAt: '2026-11-24T10:00:00.000Z' },
  },
  {
    name: 'ECR Image Action PUSH: team/app:1.0.0 with the digest and the EventBridge id',
    source: 'ecr',
    file: 'ecr/image-push.json',
    push: { ...TEAM_APP, eventId: '13cde686-328b-6117-af20-0e5566167482', occurredAt: '2026-11-24T10:00:00.000Z' },
  },
  {
    name: 'GAR Pub/Sub INSERT: repo/app:1.0.0 after the configured host and project',
    source: 'gar',
    file: 'gar/pubsub-push.json',
    options: { imagePathPrefix: 'us-docker.pkg.test/proj' },
    push: { ...TEAM_APP, repository: 'repo/app', eventId: '9876543210', occurredAt: '2026-11-24T10:00:00.000Z' },
  },
  {
    name: 'Artifactory docker pushed: team/app:1.0.0 with sha256:<data.sha256> as the digest',
    source: 'artifactory',
    file: 'artifactory/docker-pushed.json',
    push: { ...TEAM_APP, eventId: bodyHash('artifactory/docker-pushed.json'), occurredAt: FIXED_NOW.toISOString() },
  },
];

describe('constructed fixtures', () => {
  it.each(ONE_PUSH)('$name', ({ source, file, headers, options, push }) => {
    expect(parseFixture(source, file, headers, options)).toEqual({
      events: [{ kind: 'push', registry: REGISTRY, ...push, source }],
      ignored: [],
    });
  });

  it('Harbor DELETE_ARTIFACT: a delete', () => {
    const { events } = parseFixture('harbor', 'harbor/delete-artifact.json');
    expect(events).toEqual([
      expect.objectContaining({ kind: 'delete', repository: 'team/app', tag: '1.0.0', digest: FIXTURE_DIGEST, actor: 'admin' }),
    ]);
  });

  it('Quay repo push: one tag push per updated tag, no digest', () => {
    const id = bodyHash('quay/repo-push.json');
    const common = {
      kind: 'push',
      registry: REGISTRY,
      repository: 'team/app',
      occurredAt: FIXED_NOW.toISOString(),
      source: 'quay',
      needsDigestResolution: true,
    };
    expect(parseFixture('quay', 'quay/repo-push.json').events).toEqual([
      { ...common, tag: '1.0.0', eventId: `${id}-0` },
      { ...common, tag: 'latest', eventId: `${id}-1` },
    ]);
  });
});
