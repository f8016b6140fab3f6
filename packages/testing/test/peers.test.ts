import { createConnection } from 'node:net';
import {
  MissingBinaryError,
  pushImage,
  pushImageWithSkopeo,
  pushIndex,
  requireBinary,
  startRecorder,
  startRedis,
  startRegistry,
  type RecordedRequest,
} from '../src';

interface NotificationEvent {
  id: string;
  action: string;
  target: { mediaType: string; repository: string; digest: string; tag?: string };
  actor?: { name?: string };
}

const events = (reqs: RecordedRequest[]): NotificationEvent[] =>
  reqs.flatMap((r) => (JSON.parse(r.body.toString()) as { events: NotificationEvent[] }).events);
const manifestPushes = (reqs: RecordedRequest[]) =>
  events(reqs).filter((e) => e.action === 'push' && e.target.mediaType !== 'application/octet-stream');

describe('real registry with notifications and htpasswd users', () => {
  it('sends a manifest push event naming the repository, tag, digest and pushing user', async () => {
    const recorder = await startRecorder();
    const registry = await startRegistry({
      users: { 'ci-bot': 'ci-pass' },
      notifications: { url: `${recorder.url}/hook`, headers: { Authorization: 'Bearer t0k' } },
    });
    try {
      const anonymous = await fetch(`${registry.url}/v2/`);
      expect(anonymous.status).toBe(401);

      const digest = await pushImage(registry.url, 'team/app:1.0.0', { username: 'ci-bot', password: 'ci-pass' });
      await recorder.waitFor((reqs) => manifestPushes(reqs).length === 1);
      const [push] = manifestPushes(recorder.requests);
      expect(push?.target).toMatchObject({ repository: 'team/app', tag: '1.0.0', digest });
      expect(push?.actor?.name).toBe('ci-bot');
      expect(recorder.requests[0]?.headers['authorization']).toBe('Bearer t0k');
      expect(recorder.requests[0]?.headers['content-type']).toBe('application/vnd.docker.distribution.events.v1+json');
    } finally {
      await registry.teardown();
      await recorder.close();
    }
  });

  it('pushes with the real skopeo and an OCI index over HTTP', async () => {
    const registry = await startRegistry();
    try {
      const digest = await pushImageWithSkopeo(registry.host, 'lib/tool:v1');
      const res = await fetch(`${registry.url}/v2/lib/tool/manifests/v1`, {
        method: 'HEAD',
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      expect(res.headers.get('docker-content-digest')).toBe(digest);

      const index = await pushIndex(registry.url, 'lib/multi:v1');
      expect(index.children).toHaveLength(2);
      const head = await fetch(`${registry.url}/v2/lib/multi/manifests/v1`, {
        method: 'HEAD',
        headers: { accept: 'application/vnd.oci.image.index.v1+json' },
      });
      expect(head.headers.get('docker-content-digest')).toBe(index.digest);
    } finally {
      await registry.teardown();
    }
  });
});

function redisCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = createConnection({ host: '127.0.0.1', port });
    sock.on('error', reject);
    sock.on('data', (d) => {
      sock.destroy();
      resolve(d.toString());
    });
    sock.on('connect', () => sock.write(command + '\r\n'));
  });
}

describe('real redis-server', () => {
  it('starts on a free port, stores a value, stops, and starts again empty', async () => {
    const redis = await startRedis();
    try {
      expect(await redisCommand(redis.port, 'SET k v')).toBe('+OK\r\n');
      expect(await redisCommand(redis.port, 'GET k')).toBe('$1\r\nv\r\n');
      await redis.stop();
      await expect(redisCommand(redis.port, 'PING')).rejects.toThrow();
      await redis.start();
      expect(await redisCommand(redis.port, 'GET k')).toBe('$-1\r\n');
    } finally {
      await redis.teardown();
    }
  });
});

describe('requireBinary', () => {
  it('names the apt package of a missing binary', () => {
    expect(() => requireBinary('signet-no-such-binary', 'signet-pkg')).toThrow(MissingBinaryError);
    expect(() => requireBinary('signet-no-such-binary', 'signet-pkg')).toThrow(/apt-get install -y signet-pkg/);
  });
});
