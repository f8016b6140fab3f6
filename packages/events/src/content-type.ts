import { STRUCTURED_CONTENT_TYPE } from './cloudevent';
import { mediaTypeOf } from './headers';
import type { WebhookSource } from '@signet/oci';

const JSON_TYPE = 'application/json';

const ACCEPTED: Record<WebhookSource, readonly string[]> = {
  distribution: ['application/vnd.docker.distribution.events.v1+json', JSON_TYPE],
  // Harbor's CloudEvents format may arrive in structured mode.
  harbor: [JSON_TYPE, STRUCTURED_CONTENT_TYPE],
  github: [JSON_TYPE],
  dockerhub: [JSON_TYPE],
  acr: [JSON_TYPE],
  quay: [JSON_TYPE],
  artifactory: [JSON_TYPE],
  ecr: [JSON_TYPE],
  gar: [JSON_TYPE],
  // Structured mode, or binary mode with JSON data.
  cloudevents: [STRUCTURED_CONTENT_TYPE, JSON_TYPE],
};

/** Media types a source's webhook may carry (without parameters). */
export function acceptedContentTypes(source: WebhookSource): readonly string[] {
  return ACCEPTED[source];
}

/** Whether a Content-Type header value is one the source sends; when not, the HTTP layer answers 415. */
export function isAcceptedContentType(source: WebhookSource, contentType: string | undefined): boolean {
  const type = mediaTypeOf(contentType);
  return type !== undefined && ACCEPTED[source].includes(type);
}
