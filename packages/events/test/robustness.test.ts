import fc from 'fast-check';
import { isRepositoryName, WEBHOOK_SOURCES, type WebhookSource } from '@signet/oci';
import { parseWebhook, pushEventSchema, WebhookPayloadError, type WebhookHeaders } from '../src';
import { now, webhookFixtureJson } from './shared';
import { PUSH_FIXTURES } from '@signet/testing';

// What the HTTP layer relies on to never answer 500: any body, any headers → a result or a
// WebhookPayloadError, and every event that comes out is well-formed.

const RUNS_PER_SOURCE = 1000;
const REGISTRY = 'configured';

/** Words that steer adapters into their branches, and names that trip naive object lookups. */
const interesting = fc.constantFrom(
  'push',
  'pull',
  'delete',
  'mount',
  'PUSH',
  'DELETE',
  'INSERT',
  'SUCCESS',
  'PUSH_ARTIFACT',
  'DELETE_ARTIFACT',
  'pushed',
  'deleted',
  'published',
  'container',
  'docker',
  'harbor.artifact.pushed',
  'x.image.updated',
  'ECR Image Action',
  'application/vnd.oci.image.manifest.v1+json',
  'constructor',
  '__proto__',
  'toString',
  '',
);
const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 2 }), interesting);

/** Values shaped like a template: same keys mostly, with dropped keys and values of the wrong type. */
function shapedLike(template: unknown): fc.Arbitrary<unknown> {
  if (Array.isArray(template)) {
    const item = template.length > 0 ? fc.oneof(...template.map(shapedLike)) : anyJson;
    return fc.oneof({ weight: 4, arbitrary: fc.array(item, { maxLength: 3 }) }, { weight: 1, arbitrary: anyJson });
  }
  if (template !== null && typeof template === 'object') {
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [key, value] of Object.entries(template)) {
      // undefined drops the key when the body is serialised
      model[key] = fc.oneof({ weight: 20, arbitrary: shapedLike(value) }, { weight: 1, arbitrary: fc.constant(undefined) });
    }
    return fc.oneof({ weight: 20, arbitrary: fc.record(model) }, { weight: 1, arbitrary: anyJson });
  }
  return fc.oneof({ weight: 20, arbitrary: fc.constant(template) }, { weight: 1, arbitrary: anyJson });
}

const ceTemplate = {
  specversion: '1.0',
  id: 'id-1',
  type: 'zotregistry.image.updated',
  source: 's',
  time: '2026-11-24T10:00:00Z',
  data: { name: 'team/app', reference: '1.0.0', digest: 'sha256:' + 'a'.repeat(64), actor: { name: 'ci' } },
};

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function templateFor(source: WebhookSource): fc.Arbitrary<unknown> {
  if (source === 'cloudevents') return shapedLike(ceTemplate);
  if (source === 'harbor') {
    const harbor = webhookFixtureJson(PUSH_FIXTURES.harbor);
    const harborCe = { ...ceTemplate, type: 'harbor.artifact.pushed', data: harbor['event_data'] };
    return fc.oneof(shapedLike(harbor), shapedLike(harborCe));
  }
  if (source !== 'gar') return shapedLike(webhookFixtureJson(PUSH_FIXTURES[source]));
  // gar: mutate both the Pub/Sub envelope and the JSON inside message.data.
  const outer = webhookFixtureJson(PUSH_FIXTURES.gar);
  const message = outer['message'] as { data: string };
  const inner = JSON.parse(Buffer.from(message.data, 'base64').toString('utf8'));
  return fc.tuple(shapedLike(outer), shapedLike(inner)).map(([o, i]) => {
    if (!isRecord(o) || !isRecord(o['message']) || typeof o['message']['data'] !== 'string') return o;
    return { ...o, message: { ...o['message'], data: Buffer.from(JSON.stringify(i) ?? '').toString('base64') } };
  });
}

function headersFor(source: WebhookSource): fc.Arbitrary<WebhookHeaders> {
  const ceHeaders = fc.record(
    {
      'ce-specversion': fc.oneof(fc.constant('1.0'), fc.string()),
      'ce-id': fc.oneof(fc.constant('id-1'), fc.string(), fc.array(fc.string(), { maxLength: 2 })),
      'ce-type': fc.oneof(fc.constantFrom('harbor.artifact.pushed', 'zotregistry.image.deleted'), fc.string()),
      'ce-time': fc.string(),
      'ce-operator': fc.string(),
    },
    { requiredKeys: [] },
  );
  switch (source) {
    case 'github':
      return fc.record({
        'x-github-event': fc.oneof(fc.constantFrom('registry_package', 'package', 'ping'), fc.string()),
        'x-github-delivery': fc.oneof(fc.string(), fc.constant(undefined)),
      });
    case 'harbor':
    case 'cloudevents':
      return fc.oneof(fc.constant({ 'content-type': 'application/cloudevents+json' }), fc.constant({}), ceHeaders);
    default:
      return fc.constant({});
  }
}

const options = { now, imagePathPrefix: 'us-docker.pkg.test/proj' };

describe.each(WEBHOOK_SOURCES)('parseWebhook(%s) on arbitrary input', (source) => {
  it(`returns a result or throws WebhookPayloadError for ${RUNS_PER_SOURCE} arbitrary bodies`, () => {
    const body = fc.oneof(
      fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v))),
      templateFor(source).map((v) => Buffer.from(JSON.stringify(v) ?? '')),
      fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b)),
    );
    const outcomes = { events: 0, ignoredOnly: 0, rejected: 0 };
    fc.assert(
      fc.property(body, headersFor(source), fc.boolean(), (rawBody, headers, headersAuthenticated) => {
        let result;
        try {
          result = parseWebhook({ source, registry: REGISTRY, rawBody, headers, headersAuthenticated, options });
        } catch (error) {
          if (!(error instanceof WebhookPayloadError)) throw error;
          outcomes.rejected++;
          return error.details.length > 0;
        }
        if (result.events.length > 0) outcomes.events++;
        else outcomes.ignoredOnly++;
        return result.events.every(
          (e) =>
            e.registry === REGISTRY &&
            e.source === source &&
            isRepositoryName(e.repository) &&
            (e.tag !== undefined || e.digest !== undefined) &&
            !Number.isNaN(Date.parse(e.occurredAt)) &&
            e.eventId.length > 0 &&
            // What the receiver enqueues, the signer reads back through this schema.
            pushEventSchema.safeParse(e).success,
        );
      }),
      { numRuns: RUNS_PER_SOURCE },
    );
    // The shaped bodies must reach every outcome, or the property would prove little.
    expect(outcomes.events).toBeGreaterThan(RUNS_PER_SOURCE / 50);
    expect(outcomes.rejected).toBeGreaterThan(RUNS_PER_SOURCE / 50);
  });
});
