import { isAcceptedContentType } from './content-type';

describe('isAcceptedContentType', () => {
  it("accepts Distribution's own media type and plain JSON, with parameters and any case", () => {
    expect(isAcceptedContentType('distribution', 'application/vnd.docker.distribution.events.v1+json')).toBe(true);
    expect(isAcceptedContentType('distribution', 'Application/JSON; charset=utf-8')).toBe(true);
  });

  it('accepts structured CloudEvents only where a CloudEvents sender is expected', () => {
    expect(isAcceptedContentType('cloudevents', 'application/cloudevents+json')).toBe(true);
    expect(isAcceptedContentType('harbor', 'application/cloudevents+json')).toBe(true);
    expect(isAcceptedContentType('github', 'application/cloudevents+json')).toBe(false);
  });

  it('refuses forms, text, batches and a missing content type', () => {
    expect(isAcceptedContentType('github', 'application/x-www-form-urlencoded')).toBe(false);
    expect(isAcceptedContentType('quay', 'text/plain')).toBe(false);
    expect(isAcceptedContentType('cloudevents', 'application/cloudevents-batch+json')).toBe(false);
    expect(isAcceptedContentType('ecr', undefined)).toBe(false);
    expect(isAcceptedContentType('ecr', '')).toBe(false);
  });
});
