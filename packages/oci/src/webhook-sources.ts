/**
 * The webhook senders Signet reads, one body format each. Config validates `webhooks[].source` against it,
 * events picks the adapter by it, and queue checks it in every push job, so the three cannot drift apart.
 */
export const WEBHOOK_SOURCES = [
  'distribution',
  'harbor',
  'github',
  'dockerhub',
  'acr',
  'quay',
  'artifactory',
  'ecr',
  'gar',
  'cloudevents',
] as const;
export type WebhookSource = (typeof WEBHOOK_SOURCES)[number];
