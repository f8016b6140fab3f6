import { generateKeyPairSync } from 'node:crypto';
import { PublicKeySet } from '@signet/crypto';
import { registryAccess } from '../check/registry-access';
import { RepositoryKeys } from '../check/repository-keys';
import { MemoryTagStore } from '../state/memory-store';
import { AdmissionJudge } from './judge';
import { containerImages } from './workloads';

describe('containerImages', () => {
  it('gives each image with the JSON Pointer of its field, skipping an empty one (a template defaulted later)', () => {
    const cron = {
      spec: {
        jobTemplate: {
          spec: {
            template: { spec: { initContainers: [{ name: 'i', image: 'a' }], containers: [{ image: 'b' }, { name: 'n', image: '' }] } },
          },
        },
      },
    };
    expect(containerImages('CronJob', cron)).toEqual([
      { list: 'containers', container: '#0', image: 'b', pointer: '/spec/jobTemplate/spec/template/spec/containers/0/image' },
      { list: 'initContainers', container: 'i', image: 'a', pointer: '/spec/jobTemplate/spec/template/spec/initContainers/0/image' },
    ]);
  });

  it('reads nothing of kinds without a pod spec, nor of templates under podsOnly, and survives any shape', () => {
    expect(containerImages('Service', { spec: { containers: [{ image: 'x' }] } })).toBeUndefined();
    expect(
      containerImages('Deployment', { spec: { template: { spec: { containers: [{ image: 'x' }] } } } }, { podsOnly: true }),
    ).toBeUndefined();
    for (const odd of [
      null,
      42,
      'pod',
      [],
      { spec: null },
      { spec: { containers: 'x' } },
      { spec: { containers: [null, 1, { name: 'n' }] } },
    ]) {
      expect(containerImages('Pod', odd)).toEqual([]);
    }
    // An image that is not a string is judged as the text it is (and denied as no reference), never skipped.
    expect(containerImages('Pod', { spec: { containers: [{ image: null }] } })?.map((i) => i.image)).toEqual(['null']);
  });
});

describe('references, as Docker normalises them', () => {
  const keys = new RepositoryKeys(PublicKeySet.fromKeyObjects([generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey]));
  // Nothing listens on port 1: a watched image ends `unreachable`, an unwatched one never gets that far.
  const watched = registryAccess({
    name: 'corp',
    url: 'http://127.0.0.1:1',
    host: 'Registry.Example.com:5000',
    maxConcurrency: 1,
    timeout: 500,
    retries: 0,
  });
  const judge = new AdmissionJudge({
    store: new MemoryTagStore(),
    registries: [watched],
    keys,
    prefix: 't',
    unwatched: 'warn',
    liveBudgetMs: 1000,
    cacheTtlMs: 1000,
  });
  afterAll(() => watched.close());

  it.each([
    ['nginx', 'docker.io/library/nginx:latest'],
    ['library/nginx:1.27', 'docker.io/library/nginx:1.27'],
    ['index.docker.io/team/app', 'docker.io/team/app:latest'],
    ['registry-1.docker.io/team/app', 'docker.io/team/app:latest'],
    [`nginx@sha256:${'b'.repeat(64)}`, `docker.io/library/nginx@sha256:${'b'.repeat(64)}`],
    ['localhost:5000/app', 'localhost:5000/app:latest'],
    [`ghcr.io/o/app:v1@sha256:${'a'.repeat(64)}`, `ghcr.io/o/app:v1@sha256:${'a'.repeat(64)}`],
  ])('%s is %s', async (image, reference) => {
    const v = await judge.judge(image);
    expect(v).toMatchObject({ reference, outcome: 'unwatched', allowed: true });
  });

  it('matches a watched host case-insensitively, port included, and fails closed when it cannot be asked', async () => {
    const v = await judge.judge('registry.example.com:5000/team/app:1.0');
    expect(v).toMatchObject({ outcome: 'unreachable', allowed: false, reason: 'REGISTRY_UNREACHABLE' });
    expect((await judge.judge('registry.example.com:5001/team/app:1.0')).outcome).toBe('unwatched');
  });

  it('denies what is not a reference, naming it', async () => {
    const v = await judge.judge('Team/App:1.0');
    expect(v).toMatchObject({ outcome: 'invalid-reference', allowed: false });
    expect(v.message).toContain('"Team/App:1.0"');
  });
});
