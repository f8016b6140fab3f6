import fc from 'fast-check';
import { InvalidReferenceError } from './errors';
import { formatImageReference, isDockerHub, normalizeImageReference, parseImageReference, type ImageReference } from './reference';

const D = `sha256:${'ab'.repeat(32)}`;
const normalized = (input: string) => formatImageReference(normalizeImageReference(input));

describe('parseImageReference', () => {
  it.each<[string, ImageReference]>([
    ['127.0.0.1:5000/team/app:1.0.0', { registry: '127.0.0.1:5000', repository: 'team/app', tag: '1.0.0' }],
    [`localhost:5000/app@${D}`, { registry: 'localhost:5000', repository: 'app', digest: D }],
    [`r.example.com:8443/a/b:t@${D}`, { registry: 'r.example.com:8443', repository: 'a/b', tag: 't', digest: D }],
    ['localhost/app', { registry: 'localhost', repository: 'app' }],
    ['[::1]:5000/app', { registry: '[::1]:5000', repository: 'app' }],
    ['alpine:3', { registry: 'docker.io', repository: 'library/alpine', tag: '3' }],
    ['team/app', { registry: 'docker.io', repository: 'team/app' }],
    ['index.docker.io/alpine', { registry: 'docker.io', repository: 'library/alpine' }],
    ['registry-1.docker.io/team/app', { registry: 'docker.io', repository: 'team/app' }],
    ['host:5000', { registry: 'docker.io', repository: 'library/host', tag: '5000' }],
    // A first component with an upper-case letter is a host to Docker, not a repository.
    ['Registry/app', { registry: 'Registry', repository: 'app' }],
  ])('reads %j', (input, expected) => {
    expect(parseImageReference(input)).toEqual(expected);
  });

  it('spells Docker Hub as asked', () => {
    expect(parseImageReference('alpine', { dockerHub: 'index.docker.io' })).toEqual({
      registry: 'index.docker.io',
      repository: 'library/alpine',
    });
    expect(parseImageReference('docker.io/org/x', { dockerHub: 'index.docker.io' })).toEqual({
      registry: 'index.docker.io',
      repository: 'org/x',
    });
  });

  it.each([
    '',
    'UPPER',
    'host/UPPER/case',
    'docker.io/Library/nginx',
    'host:5000/app@sha256:short',
    'app@',
    'app:bad tag',
    'app:',
    'a//b',
    '/app',
    'app/',
    ' app',
    'app ',
    'ho_st.example/app',
    'host:port/app',
    `${'b'.repeat(64)}`,
    `r.example/${'a'.repeat(250)}`,
    'app:tag:tag',
    `app@${D}@${D}`,
  ])('refuses %j with INVALID_REFERENCE', (input) => {
    expect(() => parseImageReference(input)).toThrow(InvalidReferenceError);
    expect(() => parseImageReference(input)).toThrow(expect.objectContaining({ code: 'INVALID_REFERENCE' }));
  });

  it('throws nothing but InvalidReferenceError, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (input) => {
        try {
          parseImageReference(input);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidReferenceError);
        }
      }),
    );
  });

  const component = fc.stringMatching(/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/).filter((c) => c.length <= 30);
  const reference = fc.record(
    {
      registry: fc.oneof(
        fc.constant('docker.io'),
        fc.integer({ min: 1, max: 65535 }).map((port) => `127.0.0.1:${port}`),
        fc.stringMatching(/^[a-z0-9]{1,10}\.[a-z]{2,5}$/),
      ),
      repository: fc.array(component, { minLength: 2, maxLength: 3 }).map((parts) => parts.join('/')),
      tag: fc.stringMatching(/^\w[\w.-]{0,30}$/),
      digest: fc.oneof(fc.constant(D), fc.constant(`sha512:${'0'.repeat(128)}`)),
    },
    { requiredKeys: ['registry', 'repository'] },
  );

  it('reads back every reference it formats', () => {
    fc.assert(fc.property(reference, (ref) => expect(parseImageReference(formatImageReference(ref))).toEqual(ref)));
  });

  it('is idempotent: a normalised reference normalises to itself', () => {
    fc.assert(
      fc.property(reference, (ref) => {
        const once = normalized(formatImageReference(ref));
        expect(normalized(once)).toBe(once);
      }),
    );
  });
});

describe('normalizeImageReference (Docker: ParseNormalizedNamed, then TagNameOnly)', () => {
  it.each([
    ['nginx', 'docker.io/library/nginx:latest'],
    ['nginx:1.25', 'docker.io/library/nginx:1.25'],
    ['library/nginx', 'docker.io/library/nginx:latest'],
    ['docker.io/nginx', 'docker.io/library/nginx:latest'],
    ['index.docker.io/library/nginx', 'docker.io/library/nginx:latest'],
    ['team/app', 'docker.io/team/app:latest'],
    ['localhost:5000/a', 'localhost:5000/a:latest'],
    ['localhost/a', 'localhost/a:latest'],
    [`host:5000/a/b:tag@${D}`, `host:5000/a/b:tag@${D}`],
    [`nginx@${D}`, `docker.io/library/nginx@${D}`],
  ])('%s → %s', (input, expected) => {
    expect(normalized(input)).toBe(expected);
  });

  it('refuses an upper-case repository', () => {
    expect(() => normalizeImageReference('Nginx')).toThrow(InvalidReferenceError);
    expect(() => normalizeImageReference('docker.io/Team/app')).toThrow(InvalidReferenceError);
  });
});

describe('isDockerHub', () => {
  it('knows Docker Hub by each of its names, in any case', () => {
    for (const host of ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'Docker.IO']) expect(isDockerHub(host)).toBe(true);
    for (const host of ['docker.io:443', 'hub.docker.com', 'localhost:5000']) expect(isDockerHub(host)).toBe(false);
  });
});
