// The three services (receiver, signer, verifier) as processes on one registry: the config, environment and
// start-up that the cross-service tests share. Each test adds only what it is about (a Redis Cluster, a log level,
// a rate limit).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateCosignKeyPair } from '@signet/crypto';
import { freePort, startService, writeConfigFile, type RegistryServer, type RunningService } from '@signet/testing';

export const CI_BOT = { username: 'ci-bot', password: 'ci-bot-pw' };
export const MALLORY = { username: 'mallory', password: 'mallory-pw' };
export const WEBHOOK_TOKEN = 'hook-token-0123456789';
const KEY_PASSWORD = 'pw';

/** The registry's notification settings that reach the receiver on `receiverPort`. */
export const notifyReceiver = (receiverPort: number) => ({
  url: `http://127.0.0.1:${receiverPort}/webhooks/local`,
  headers: { Authorization: `Bearer ${WEBHOOK_TOKEN}` },
  ignorePulls: true,
});

export interface PipelineOptions {
  dir: string;
  registry: RegistryServer;
  /** The `redis` section (a URL, or cluster seeds). */
  redis: Record<string, unknown>;
  /** Merged over the registry entry (`host`, `rateLimit`...). */
  registryEntry?: Record<string, unknown>;
  /** Merged over the signer section. */
  signer?: Record<string, unknown>;
  logLevel?: string;
}

export interface Pipeline {
  configFile: string;
  env: Record<string, string>;
}

/** Writes a fresh cosign key pair and the config of the three services (ci-bot trusted on `team/*`). */
export async function writePipelineConfig(opts: PipelineOptions): Promise<Pipeline> {
  const keys = await generateCosignKeyPair(KEY_PASSWORD);
  writeFileSync(join(opts.dir, 'cosign.key'), keys.privateKeyPem);
  writeFileSync(join(opts.dir, 'cosign.pub'), keys.publicKeyPem);
  const configFile = writeConfigFile(
    {
      redis: opts.redis,
      registries: [
        { name: 'local', url: opts.registry.url, username: CI_BOT.username, passwordEnv: 'REGISTRY_PASSWORD', ...opts.registryEntry },
      ],
      webhooks: [{ name: 'local', source: 'distribution', registry: 'local', auth: { type: 'bearer', tokenEnv: 'WEBHOOK_TOKEN' } }],
      receiver: { host: '127.0.0.1' },
      signer: {
        key: { path: join(opts.dir, 'cosign.key'), passwordEnv: 'COSIGN_PASSWORD' },
        trust: [{ registry: 'local', repositories: ['team/*'], actors: ['ci-bot'] }],
        ...opts.signer,
      },
      verifier: { keys: [join(opts.dir, 'cosign.pub')], rescan: { every: '1h' }, gracePeriod: '30s' },
      log: { level: opts.logLevel ?? 'warn' },
    },
    opts.dir,
  );
  return { configFile, env: { REGISTRY_PASSWORD: CI_BOT.password, WEBHOOK_TOKEN, COSIGN_PASSWORD: KEY_PASSWORD } };
}

/** Starts receiver (on `receiverPort`, where the registry notifies), signer and verifier, in that order. */
export async function startPipeline(
  p: Pipeline,
  receiverPort: number,
  env: Record<string, string> = {},
): Promise<[RunningService, RunningService, RunningService]> {
  const all = { ...p.env, ...env };
  const receiver = await startService('webhook-receiver', { configFile: p.configFile, port: receiverPort, env: all });
  const signer = await startService('signer', { configFile: p.configFile, port: await freePort(), env: all });
  const verifier = await startService('verifier', { configFile: p.configFile, port: await freePort(), env: all });
  return [receiver, signer, verifier];
}
