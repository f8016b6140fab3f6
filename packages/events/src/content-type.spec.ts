import type { WebhookSource } from '@signet/oci';
import { isAcceptedContentType } from './content-type';

type Case = readonly [source: WebhookSource, contentType: string | undefined, accepted: boolean];

/** Asserts, for each case, whether a request from its source with its content type is accepted. */
function expectAnswers(cases: Case[]) {
  const answered = cases.map(([source, contentType]) => ({ source, contentType, accepted: isAcceptedContentType(source, contentType) }));
  expect(answered).toEqual(cases.map(([source, contentType, accepted]) => ({ source, contentType, accepted })));
}

describe('isAcceptedContentType', () => {
  it("accepts Distribution's own media type and plain JSON, with parameters and any case", () => {
    expectAnswers([
      ['distribution', 'application/vnd.docker.distribution.events.v1+json', true],
      ['distribution', 'Application/JSON; charset=utf-8', true],
    ]);
  });

  it('accepts structured CloudEvents only where a CloudEvents sender is expected', () => {
    expectAnswers([
      ['cloudevents', 'application/cloudevents+json', true],
      ['harbor', 'application/cloudevents+json', true],
      ['github', 'application/cloudevents+json', false],
    ]);
  });

  it('refuses forms, text, batches and a missing content type', () => {
    expectAnswers([
      ['github', 'application/x-www-form-urlencoded', false],
      ['quay', 'text/plain', false],
      ['cloudevents', 'application/cloudevents-batch+json', false],
      ['ecr', undefined, false],
      ['ecr', '', false],
    ]);
  });
});
