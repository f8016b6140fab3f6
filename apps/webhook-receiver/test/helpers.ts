import { Writable } from 'node:stream';
import { parseConfig } from '@signet/config';
import { createLogger } from '@signet/observability';
import { createRedisConnection, openPushQueue, type PushJob } from '@signet/queue';
import { startReceiver, type RunningReceiver } from '../src/service';

// Webhook secrets need at least 16 bytes (the config refuses shorter ones).
export const TOKEN = 'hook-token-0123456789';
export const GITHUB_SECRET = 'github-hmac-secret-0123456789';

/** Webhooks of every source, each with the authentication that source supports. */
export function receiverConfig(redisUrl: string, extra: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}) {
  return parseConfig(
    {
      redis: { url: redisUrl },
      registries: [{ name: 'local', url: 'http://127.0.0.1:5000' }],
      webhooks: [
        { name: 'distribution', source: 'distribution', registry: 'local', auth: { type: 'bearer', tokenEnv: 'TOKEN' } },
        { name: 'harbor', source: 'harbor', registry: 'local', auth: { type: 'header', header: 'authorization', valueEnv: 'TOKEN' } },
        // The GitHub fixture carries no time, so no age window can judge it (tools/e2e/test/attacks/hmac-identity.test.ts does).
        { name: 'github', source: 'github', registry: 'local', auth: { type: 'hmac-sha256', secretEnv: 'GH' }, maxEventAge: 0 },
        { name: 'dockerhub', source: 'dockerhub', registry: 'local', auth: { type: 'path-secret', secretEnv: 'TOKEN' } },
        { name: 'acr', source: 'acr', registry: 'local', auth: { type: 'header', header: 'x-signet-token', valueEnv: 'TOKEN' } },
        { name: 'quay', source: 'quay', registry: 'local', auth: { type: 'path-secret', secretEnv: 'TOKEN' } },
        {
          name: 'artifactory',
          source: 'artifactory',
          registry: 'local',
          auth: { type: 'header', header: 'x-jfrog-token', valueEnv: 'TOKEN' },
        },
        { name: 'ecr', source: 'ecr', registry: 'local', auth: { type: 'basic', username: 'aws', passwordEnv: 'TOKEN' } },
        {
          name: 'gar',
          source: 'gar',
          registry: 'local',
          auth: { type: 'bearer', tokenEnv: 'TOKEN' },
          options: { imagePathPrefix: 'us-docker.pkg.test/proj' },
        },
        { name: 'cloudevents', source: 'cloudevents', registry: 'local', auth: { type: 'bearer', tokenEnv: 'TOKEN' } },
      ],
      // Both listeners on free loopback ports unless a test says otherwise.
      receiver: { port: 0, host: '127.0.0.1', ops: { port: 0, host: '127.0.0.1' }, ...extra },
      log: { level: 'silent' },
    },
    { env: { TOKEN, GH: GITHUB_SECRET, ...env } },
  );
}

/** Credentials a sender of each webhook presents: headers, and the URL path suffix for path secrets. */
export function credentialsFor(name: string): { headers: Record<string, string>; path: string } {
  switch (name) {
    case 'harbor':
      return { headers: { authorization: TOKEN }, path: '' };
    case 'dockerhub':
    case 'quay':
      return { headers: {}, path: `/${TOKEN}` };
    case 'acr':
      return { headers: { 'x-signet-token': TOKEN }, path: '' };
    case 'artifactory':
      return { headers: { 'x-jfrog-token': TOKEN }, path: '' };
    case 'ecr':
      return { headers: { authorization: 'Basic ' + Buffer.from(`aws:${TOKEN}`).toString('base64') }, path: '' };
    case 'github':
      return { headers: {}, path: '' };
    default:
      return { headers: { authorization: `Bearer ${TOKEN}` }, path: '' };
  }
}

export const silentLogger = () =>
  createLogger({ service: 'test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

export async function startTestReceiver(
  redisUrl: string,
  extra: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = {},
): Promise<RunningReceiver> {
  return startReceiver(receiverConfig(redisUrl, extra, env), { logger: silentLogger() });
}

/** Every job currently in `signet.push`, in any state. */
export async function pushJobs(redisUrl: string): Promise<PushJob[]> {
  const connection = createRedisConnection({ url: redisUrl, role: 'producer' });
  const queue = openPushQueue(connection, '{signet}');
  const jobs = await queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized']);
  await queue.close();
  connection.disconnect();
  return jobs.map((j): PushJob => j.data);
}
