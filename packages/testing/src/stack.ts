import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Credentials } from './image';
import { startRedis, type RedisServer } from './redis';
import { startRegistry, type RegistryServer } from './registry';

/** The registry user a trusted CI pipeline pushes as. */
export const CI_BOT: Credentials = { username: 'ci-bot', password: 'ci-bot-secret' };
/** A registry user who may push, but whose pushes nothing trusts. */
export const MALLORY: Credentials = { username: 'mallory', password: 'mallory-secret' };

export interface RedisAndRegistry {
  redis: RedisServer;
  registry: RegistryServer;
}

/** A real redis-server and a registry whose htpasswd users are ci-bot and mallory, started side by side. */
export async function startRedisAndRegistry(): Promise<RedisAndRegistry> {
  const [redis, registry] = await Promise.all([
    startRedis(),
    startRegistry({ users: { [CI_BOT.username]: CI_BOT.password, [MALLORY.username]: MALLORY.password } }),
  ]);
  return { redis, registry };
}

export interface TrustedKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The public key as cosign writes it (PEM, SubjectPublicKeyInfo), for `verifier.keys`. */
  publicKeyPath: string;
}

/** A new ECDSA P-256 key pair, cosign's kind, with its public key written to `dir/cosign.pub`. */
export function writeTrustedKey(dir: string): TrustedKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const publicKeyPath = join(dir, 'cosign.pub');
  writeFileSync(publicKeyPath, publicKey.export({ type: 'spki', format: 'pem' }));
  return { privateKey, publicKey, publicKeyPath };
}

/**
 * The options of a `RegistryClient` for `registry`, named `local` as in `registryEntry`, signing in as `creds`:
 * plain HTTP, and no Docker config file, so the tester's own credentials never leak in.
 */
export function registryClientOptions(registry: RegistryServer, creds: Credentials = CI_BOT) {
  return {
    name: 'local',
    url: registry.url,
    username: creds.username,
    password: creds.password,
    insecure: true,
    dockerConfig: false as const,
  };
}

/**
 * `registry` as an entry of a configuration's `registries`, named `local`: ci-bot, with the password read from
 * `REGISTRY_PASSWORD`, and no retries, so a failure shows at once. `more` adds or overrides keys.
 */
export function registryEntry(registry: RegistryServer, more: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'local', url: registry.url, username: CI_BOT.username, passwordEnv: 'REGISTRY_PASSWORD', retries: 0, ...more };
}
