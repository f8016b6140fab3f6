import { parseAcr } from './adapters/acr';
import { parseArtifactory } from './adapters/artifactory';
import { parseCloudEvents } from './adapters/cloudevents';
import { parseDistribution } from './adapters/distribution';
import { parseDockerhub } from './adapters/dockerhub';
import { parseEcr } from './adapters/ecr';
import { parseGar } from './adapters/gar';
import { parseGithub } from './adapters/github';
import { parseHarbor } from './adapters/harbor';
import { parseQuay } from './adapters/quay';
import type { Adapter } from './adapter';
import { parseJson } from './json-body';
import type { WebhookSource } from '@signet/oci';
import type { ParseWebhookInput, WebhookParseResult } from './types';

const ADAPTERS: Record<WebhookSource, Adapter> = {
  distribution: parseDistribution,
  harbor: parseHarbor,
  github: parseGithub,
  dockerhub: parseDockerhub,
  acr: parseAcr,
  quay: parseQuay,
  artifactory: parseArtifactory,
  ecr: parseEcr,
  gar: parseGar,
  cloudevents: parseCloudEvents,
};

/**
 * Turns one webhook request into push/delete events for the configured registry. Throws only
 * `WebhookPayloadError` for what a client sends (not JSON, or not the source's shape).
 */
export function parseWebhook(input: ParseWebhookInput): WebhookParseResult {
  const body = parseJson(input.rawBody);
  return ADAPTERS[input.source]({
    registry: input.registry,
    source: input.source,
    body,
    rawBody: input.rawBody,
    headers: input.headers,
    headersAuthenticated: input.headersAuthenticated ?? false,
    options: input.options ?? {},
  });
}
