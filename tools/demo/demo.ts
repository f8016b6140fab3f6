/**
 * `npm run demo`: the whole story on loopback, from Debian's binaries and Signet's own services.
 * Starts Redis, a Distribution registry (htpasswd users ci-bot and mallory, notifications to Signet), the
 * receiver, signer and verifier, Prometheus with the shipped rules and Alertmanager; then: a key pair is made,
 * ci-bot pushes and it is signed, `signet verify` passes, mallory overwrites the tag, `signet verify` fails,
 * the alert fires in Prometheus and reaches Alertmanager. `--keep` leaves everything running until Ctrl-C.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  alertFiring,
  freePort,
  makeTempDir,
  pushImageWithSkopeo,
  repoRoot,
  startAlertmanager,
  startPrometheus,
  startRecorder,
  startRedis,
  startRegistry,
  startService,
  waitFor,
  writeConfigFile,
  type RunningService,
} from '@signet/testing';

const keep = process.argv.includes('--keep');
const root = repoRoot();
const started = Date.now();
const cleanups: Array<() => Promise<unknown>> = [];
const secs = () => ((Date.now() - started) / 1000).toFixed(1).padStart(5);
const say = (text: string) => console.log(`[${secs()}s] ${text}`);
const step = (n: number, text: string) => console.log(`\n[${secs()}s] ── ${n}. ${text}`);

const USERS = { 'ci-bot': 'ci-bot-password', mallory: 'mallory-password' };
const COSIGN_PASSWORD = 'demo-key-password';
const WEBHOOK_TOKEN = 'demo-webhook-token';
// Made per run: the dashboard refuses short or well-known passwords.
const DASHBOARD_PASSWORD = randomBytes(12).toString('base64url');

async function signet(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(root, 'apps/cli/bin/signet.js'), ...args], {
      env: { ...process.env, ...env },
      cwd: root,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

async function metric(url: string, name: string): Promise<string[]> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(name + '{') || l.startsWith(name + ' '));
}

async function stopAll(): Promise<void> {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  cleanups.length = 0;
}

async function main(): Promise<void> {
  const dir = makeTempDir('demo');
  step(1, 'Starting the peers: Redis, registry, Signet services, Prometheus, Alertmanager');
  const redis = await startRedis();
  cleanups.push(() => redis.teardown());
  say(`redis-server     ${redis.url}`);

  const [receiverPort, signerPort, verifierPort, opsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const registry = await startRegistry({
    users: USERS,
    notifications: {
      url: `http://127.0.0.1:${receiverPort}/webhooks/demo`,
      headers: { Authorization: `Bearer ${WEBHOOK_TOKEN}` },
      ignorePulls: true,
    },
  });
  cleanups.push(() => registry.teardown());
  say(`registry         ${registry.url} (htpasswd users: ci-bot, mallory; notifications to Signet)`);

  step(2, 'Making a cosign key pair: signet generate-key-pair');
  const keyPrefix = join(dir, 'cosign');
  const gen = await signet(['generate-key-pair', '--output-key-prefix', keyPrefix], { COSIGN_PASSWORD });
  if (gen.code !== 0) throw new Error(`generate-key-pair failed: ${gen.stderr}`);
  say(`wrote ${keyPrefix}.key (encrypted, cosign format) and ${keyPrefix}.pub`);

  const configFile = writeConfigFile(
    {
      redis: { url: redis.url },
      registries: [{ name: 'demo', url: registry.url, username: 'ci-bot', passwordEnv: 'REGISTRY_PASSWORD' }],
      webhooks: [{ name: 'demo', source: 'distribution', registry: 'demo', auth: { type: 'bearer', tokenEnv: 'WEBHOOK_TOKEN' } }],
      receiver: {
        host: '127.0.0.1',
        ops: { host: '127.0.0.1' },
        dashboard: { enabled: true, username: 'admin', passwordEnv: 'DASHBOARD_PASSWORD' },
      },
      signer: {
        key: { path: `${keyPrefix}.key`, passwordEnv: 'COSIGN_PASSWORD' },
        trust: [{ registry: 'demo', repositories: ['demo/*'], actors: ['ci-bot'] }],
      },
      verifier: { keys: [`${keyPrefix}.pub`], rescan: { every: '15s' }, gracePeriod: '10s' },
      log: { level: 'warn' },
    },
    dir,
  );
  const env = { REGISTRY_PASSWORD: USERS['ci-bot'], WEBHOOK_TOKEN, COSIGN_PASSWORD, DASHBOARD_PASSWORD };
  const services: RunningService[] = [];
  for (const [app, port] of [
    ['webhook-receiver', receiverPort],
    ['signer', signerPort],
    ['verifier', verifierPort],
  ] as const) {
    // The receiver's /metrics, probes and dashboard are on its ops port, apart from the webhooks.
    const svc = await startService(app, { configFile, port, opsPort, env });
    services.push(svc);
    cleanups.push(() => svc.stop());
    say(`${app.padEnd(16)} ${svc.url}  (log ${svc.logFile})`);
  }
  const [receiver, signer, verifier] = services as [RunningService, RunningService, RunningService];

  const hook = await startRecorder();
  cleanups.push(() => hook.close());
  const alertmanager = await startAlertmanager(`${hook.url}/alerts`);
  cleanups.push(() => alertmanager.teardown());
  say(`alertmanager     ${alertmanager.url}`);
  const prometheus = await startPrometheus({
    targets: [receiver.opsUrl, signer.opsUrl, verifier.opsUrl].map((u) => u.replace('http://', '')),
    ruleFiles: [join(root, 'infra/prometheus/signet-rules.yml')],
    alertmanager: alertmanager.host,
  });
  cleanups.push(() => prometheus.teardown());
  say(`prometheus       ${prometheus.url} (shipped rules: infra/prometheus/signet-rules.yml)`);

  const image = `${registry.host}/demo/app:1.0.0`;
  const verifyArgs = ['verify', '--key', `${keyPrefix}.pub`, '--allow-insecure-registry', image];
  const readEnv = { SIGNET_REGISTRY_USERNAME: 'ci-bot', SIGNET_REGISTRY_PASSWORD: USERS['ci-bot'] };

  step(3, 'ci-bot (a trusted pusher) pushes demo/app:1.0.0 with skopeo');
  const good = await pushImageWithSkopeo(registry.host, 'demo/app:1.0.0', { username: 'ci-bot', password: USERS['ci-bot'] });
  say(`pushed ${good}`);
  const t0 = Date.now();
  await waitFor(async () => (await signet(verifyArgs, readEnv)).code === 0, 30_000, 'the signature');
  say(`Signet signed it ${Date.now() - t0} ms after the push (registry webhook -> receiver -> signer)`);

  step(4, 'signet verify --key cosign.pub demo/app:1.0.0');
  const ok = await signet(verifyArgs, readEnv);
  say(`exit ${ok.code}: ${ok.stderr.trim().split('\n').pop()}`);
  console.log(ok.stdout.trim());

  step(5, 'mallory (not trusted) overwrites demo/app:1.0.0 with another image');
  const bad = await pushImageWithSkopeo(registry.host, 'demo/app:1.0.0', { username: 'mallory', password: USERS.mallory });
  const pushedAt = Date.now();
  say(`pushed ${bad}`);
  await waitFor(async () => (await metric(verifier.url, 'signet_tag_violation')).some((l) => l.includes(bad)), 30_000, 'the violation');
  say(`verifier: violation raised ${Date.now() - pushedAt} ms after the push`);
  for (const l of await metric(verifier.url, 'signet_tag_violation')) say(`  ${l}`);

  step(6, 'signet verify again');
  const fail = await signet(verifyArgs, readEnv);
  say(`exit ${fail.code}: ${fail.stderr.trim().split('\n').pop()}`);
  if (fail.code === 0) throw new Error('verify should have failed after the overwrite');

  step(7, 'Prometheus fires SignetUnsignedTagOverwrite and Alertmanager receives it');
  await waitFor(() => alertFiring(prometheus, { alertname: 'SignetUnsignedTagOverwrite' }), 30_000, 'the alert firing in Prometheus');
  say(`Prometheus: SignetUnsignedTagOverwrite firing ${Date.now() - pushedAt} ms after the push`);
  await hook.waitFor((reqs) => reqs.some((r) => r.body.toString().includes('SignetUnsignedTagOverwrite')), 30_000);
  const delivered = hook.requests.find((r) => r.body.toString().includes('SignetUnsignedTagOverwrite'))!;
  const alert = (
    JSON.parse(delivered.body.toString()) as { alerts: Array<{ labels: Record<string, string>; annotations: Record<string, string> }> }
  ).alerts[0];
  say(`Alertmanager delivered it ${delivered.receivedAt - pushedAt} ms after the push: ${alert?.annotations.summary ?? ''}`);

  console.log(`\nWhere to look:
  receiver webhooks  ${receiver.url}/webhooks/demo   (nothing else on this port)
  receiver metrics   ${receiver.opsUrl}/metrics
  signer metrics     ${signer.url}/metrics
  verifier metrics   ${verifier.url}/metrics
  queue dashboard    ${receiver.opsUrl}/admin/queues   (read-only; admin / ${DASHBOARD_PASSWORD})
  Prometheus alerts  ${prometheus.url}/alerts
  Alertmanager       ${alertmanager.url}
  config             ${configFile}`);
  console.log(`\nDEMO OK: signed push verified, overwrite caught, alert delivered (${secs().trim()} s)`);

  if (keep) {
    console.log('\n--keep: everything keeps running; Ctrl-C stops it all.');
    await new Promise<void>(() => undefined);
  }
}

let stopping = false;
process.on('SIGINT', () => {
  if (stopping) process.exit(130);
  stopping = true;
  console.log('\nstopping everything the demo started...');
  void stopAll().then(() => process.exit(130));
});

main()
  .then(stopAll)
  .catch(async (e: unknown) => {
    console.error(`\nDEMO FAILED: ${e instanceof Error ? e.message : String(e)}`);
    await stopAll();
    process.exit(1);
  });
