import { randomUUID, type KeyObject } from 'node:crypto';
import { request } from 'node:https';
import { writeFileSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { parseConfig, type SignetConfig } from '@signet/config';
import { buildPayload, signBytes } from '@signet/crypto';
import { createLogger, MetricsRegistry } from '@signet/observability';
import { RegistryClient } from '@signet/registry';
import { SignatureStore } from '@signet/signatures';
import {
  CI_BOT,
  makeCertificate,
  makeTempDir,
  pushImage,
  registryClientOptions,
  registryEntry,
  removeDir,
  startRedisAndRegistry,
  writeTrustedKey,
  type RedisServer,
  type RegistryServer,
  type TestCertificate,
} from '@signet/testing';
import {
  checkTag,
  closeContext,
  createVerifierContext,
  createVerifierMetrics,
  type CheckOutcome,
  type VerifierContext,
} from '@signet/verification';
import { Redis } from 'ioredis';
import { startAdmission, type RunningAdmission } from '../src/service';

export { CI_BOT, MALLORY } from '@signet/testing';
export const silentLogger = createLogger({ service: 'admission-test', level: 'silent' });

/**
 * One real Redis and registry (htpasswd users ci-bot and mallory) per test file, a trusted key, a serving
 * certificate made by openssl, and the verifier's own code path (checkTag) to write the tag state the
 * admission webhook reads.
 */
export interface AdmissionEnv {
  redis: RedisServer;
  registry: RegistryServer;
  dir: string;
  cert: TestCertificate;
  privateKey: KeyObject;
  config(admission?: Record<string, unknown>, extra?: { registries?: Record<string, unknown>[] }): SignetConfig;
  /** Starts the webhook in-process (closed by `teardown`). */
  start(admission?: Record<string, unknown>, extra?: { registries?: Record<string, unknown>[] }): Promise<RunningAdmission>;
  push(ref: string, creds?: { username: string; password: string }): Promise<string>;
  /** Signs `digest` for `repo:tag` as the signer does (identity `host/repo:tag`), or with another key. */
  sign(repo: string, tag: string, digest: string, opts?: { key?: KeyObject }): Promise<void>;
  /** Runs the verifier's check of one tag, writing its state to Redis as the verifier's workers do. */
  verify(repo: string, tag: string): Promise<CheckOutcome>;
  redisClient(): Redis;
  teardown(): Promise<void>;
}

export async function startAdmissionEnv(): Promise<AdmissionEnv> {
  const { redis, registry } = await startRedisAndRegistry();
  const dir = makeTempDir('admission-test');
  const cert = makeCertificate();
  const { privateKey, publicKeyPath } = writeTrustedKey(dir);
  const keyFile = join(dir, 'tls.key');
  writeFileSync(keyFile, cert.key);
  const client = new RegistryClient(registryClientOptions(registry));
  const sigStore = new SignatureStore(client, { bundles: false });
  const clients: Redis[] = [];
  const running: RunningAdmission[] = [];
  let verifierCtx: VerifierContext | undefined;

  const config = (admission: Record<string, unknown> = {}, extra: { registries?: Record<string, unknown>[] } = {}) =>
    parseConfig(
      {
        redis: { url: redis.url },
        registries: [registryEntry(registry, { timeout: '2s' }), ...(extra.registries ?? [])],
        // The grace period is 0: an unsigned overwrite is a violation as soon as the verifier sees it.
        verifier: { port: 0, keys: [publicKeyPath], rescan: { every: '1h', tagConcurrency: 4 }, gracePeriod: '0s', historyLength: 3 },
        admission: { port: 0, opsPort: 0, tls: { certFile: cert.certFile, keyFile, reloadInterval: '100ms' }, ...admission },
      },
      { env: { REGISTRY_PASSWORD: CI_BOT.password }, app: 'admission' },
    );

  return {
    redis,
    registry,
    dir,
    cert: { ...cert, certFile: cert.certFile },
    privateKey,
    config,
    async start(admission, extra) {
      const a = await startAdmission(config(admission, extra), { logger: silentLogger });
      running.push(a);
      return a;
    },
    push: (ref, creds = CI_BOT) => pushImage(registry.url, ref, creds),
    async sign(repo, tag, digest, opts = {}) {
      const payload = buildPayload({ dockerReference: `${registry.host}/${repo}:${tag}`, manifestDigest: digest });
      await sigStore.append(repo, digest, { payload, signature: signBytes(opts.key ?? privateKey, payload).toString('base64') });
    },
    async verify(repo, tag) {
      if (!verifierCtx) {
        const stateClient = new Redis(redis.url);
        clients.push(stateClient);
        verifierCtx = await createVerifierContext({
          config: config(),
          redis: stateClient,
          metrics: createVerifierMetrics(new MetricsRegistry()),
        });
      }
      return checkTag(verifierCtx, { registry: 'local', repository: repo, tag }, { force: true });
    },
    redisClient() {
      const c = new Redis(redis.url);
      clients.push(c);
      return c;
    },
    async teardown() {
      await Promise.all(running.splice(0).map((a) => a.close()));
      if (verifierCtx) await closeContext(verifierCtx);
      await Promise.all(clients.map((c) => c.quit()));
      await client.close();
      await Promise.all([redis.teardown(), registry.teardown()]);
      removeDir(dir);
    },
  };
}

/** A review as kube-apiserver sends it (admission.k8s.io/v1), for an object of `kind` in `namespace`. */
export function admissionReview(
  object: Record<string, unknown>,
  o: { namespace?: string; operation?: 'CREATE' | 'UPDATE' | 'DELETE'; subResource?: string; dryRun?: boolean; oldObject?: unknown } = {},
): Record<string, unknown> {
  const kind = String(object.kind);
  const [group, version] = String(object.apiVersion).includes('/') ? String(object.apiVersion).split('/') : ['', String(object.apiVersion)];
  const gvk = { group, version, kind };
  const resource = { group, version, resource: kind === 'Pod' ? 'pods' : `${kind.toLowerCase()}s` };
  const meta = (object.metadata ?? {}) as { name?: string };
  const operation = o.operation ?? 'CREATE';
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: randomUUID(),
      kind: gvk,
      resource,
      ...(o.subResource ? { subResource: o.subResource, requestSubResource: o.subResource } : {}),
      requestKind: gvk,
      requestResource: resource,
      ...(meta.name ? { name: meta.name } : {}),
      namespace: o.namespace ?? 'default',
      operation,
      userInfo: { username: 'kubernetes-admin', uid: 'aaaa-bbbb', groups: ['system:masters', 'system:authenticated'] },
      object,
      oldObject: o.oldObject ?? null,
      dryRun: o.dryRun ?? false,
      options: {
        apiVersion: 'meta.k8s.io/v1',
        kind: operation === 'CREATE' ? 'CreateOptions' : 'UpdateOptions',
        ...(o.dryRun ? { dryRun: ['All'] } : {}),
      },
    },
  };
}

/** A Pod as the API server passes it to webhooks (defaults applied). */
export function pod(
  containers: { image: string; name?: string }[],
  more: { initContainers?: { image: string; name?: string }[]; ephemeralContainers?: { image: string; name?: string }[] } = {},
) {
  const c = (list: { image: string; name?: string }[], p: string) =>
    list.map((x, i) => ({
      name: x.name ?? `${p}${i}`,
      image: x.image,
      imagePullPolicy: 'IfNotPresent',
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      resources: {},
    }));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: 'web-7c9f-',
      namespace: 'default',
      labels: { app: 'web' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7c9f', uid: randomUUID(), controller: true }],
    },
    spec: {
      containers: c(containers, 'app'),
      ...(more.initContainers ? { initContainers: c(more.initContainers, 'init') } : {}),
      ...(more.ephemeralContainers ? { ephemeralContainers: c(more.ephemeralContainers, 'debugger') } : {}),
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'default',
      terminationGracePeriodSeconds: 30,
    },
  };
}

export interface Answer {
  status: number;
  body: {
    apiVersion?: string;
    kind?: string;
    response?: {
      uid: string;
      allowed: boolean;
      status?: { code: number; message: string };
      patchType?: string;
      patch?: string;
      warnings?: string[];
      auditAnnotations?: Record<string, string>;
    };
    error?: string;
    code?: string;
  };
  /** SHA-256 fingerprint of the certificate the server presented. */
  fingerprint: string;
}

/** POSTs over HTTPS, trusting only `ca` (the test certificate), on a fresh connection. */
export function post(port: number, path: string, body: unknown, ca: string): Promise<Answer> {
  const data = typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        ca,
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Answer['body'], fingerprint });
          } catch {
            reject(new Error(`not JSON (${res.statusCode}): ${text}`));
          }
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** Applies an RFC 6902 patch of `replace` operations, as the API server does with a mutating webhook's answer. */
export function applyReplacePatch(object: unknown, patch: { op: string; path: string; value: unknown }[]): unknown {
  const copy = structuredClone(object) as Record<string, unknown>;
  for (const op of patch) {
    if (op.op !== 'replace') throw new Error(`unexpected op ${op.op}`);
    const keys = op.path
      .slice(1)
      .split('/')
      .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = keys.pop() as string;
    let at: Record<string, unknown> = copy;
    for (const k of keys) {
      if (!(k in at)) throw new Error(`path ${op.path} does not exist`);
      at = at[k] as Record<string, unknown>;
    }
    if (!(last in at)) throw new Error(`path ${op.path} does not exist`);
    at[last] = op.value;
  }
  return copy;
}
