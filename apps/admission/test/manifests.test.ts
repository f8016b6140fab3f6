import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseConfig } from '@signet/config';
import { makeTempDir, removeDir, repoRoot, requireBinary } from '@signet/testing';
import { WORKLOAD_KINDS } from '@signet/verification';

/** The shipped webhook configurations agree with what the service reads and serves (the schemas are checked in infra/test). */
const dir = join(repoRoot(), 'infra/k8s/components/admission');
const docs = parseAllDocuments(readFileSync(join(dir, 'webhooks.yaml'), 'utf8')).map(
  (d) => d.toJSON() as { kind: string; metadata: { annotations: Record<string, string> }; webhooks: Webhook[] },
);
interface Webhook {
  name: string;
  clientConfig: { service: { path: string } };
  namespaceSelector: { matchExpressions: { key: string; operator: string; values: string[] }[] };
  rules: { resources: string[] }[];
  timeoutSeconds: number;
  sideEffects: string;
  reinvocationPolicy?: string;
}
const webhooks = docs.flatMap((d) => d.webhooks.map((w) => ({ ...w, kind: d.kind })));
const defaults = parseConfig({
  registries: [{ name: 'r', url: 'http://127.0.0.1:5000' }],
  verifier: { keys: ['k.pub'] },
  admission: { tls: { certFile: 'c', keyFile: 'k' } },
}).admission!;

describe('the shipped admission webhook configurations', () => {
  it('send every workload kind the service reads, and ephemeral containers', () => {
    const plural = (k: string) => `${k.toLowerCase()}s`;
    for (const w of webhooks) {
      const resources = w.rules.flatMap((r) => r.resources);
      expect(resources).toEqual(expect.arrayContaining([...WORKLOAD_KINDS.map(plural), 'pods/ephemeralcontainers']));
    }
  });

  it('call only paths the service serves, one validating webhook per mode, and pin through /mutate with reinvocation', () => {
    expect(webhooks.map((w) => w.clientConfig.service.path).sort()).toEqual(['/mutate', '/validate', '/validate/audit', '/validate/warn']);
    const mutating = webhooks.filter((w) => w.kind === 'MutatingWebhookConfiguration');
    expect(mutating.map((w) => w.reinvocationPolicy)).toEqual(['IfNeeded']);
  });

  it('never send the namespaces the service excludes by default, and leave room for the live budget', () => {
    for (const w of webhooks) {
      const byName = w.namespaceSelector.matchExpressions.find((e) => e.key === 'kubernetes.io/metadata.name');
      expect(byName).toEqual({ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: defaults.excludedNamespaces });
      expect(w.timeoutSeconds * 1000).toBeGreaterThan(defaults.liveBudget * 2);
      expect(w.sideEffects).toBe('None');
    }
  });

  it('get their CA from the Certificate the pods serve', () => {
    const certificate = readFileSync(join(dir, 'certificate.yaml'), 'utf8');
    for (const d of docs) expect(d.metadata.annotations['cert-manager.io/inject-ca-from']).toBe('signet/signet-admission');
    expect(certificate).toContain('secretName: signet-admission-tls');
    expect(readFileSync(join(dir, 'deployment.yaml'), 'utf8')).toContain('secretName: signet-admission-tls');
  });
});

describe('the shipped admission alert rules', () => {
  it('load in Prometheus and fire as their promtool cases say (cannot judge, denials, slow, down)', () => {
    requireBinary('promtool', 'prometheus');
    const rule = parseAllDocuments(readFileSync(join(dir, 'monitoring/prometheusrule.yaml'), 'utf8'))[0]!.toJSON() as { spec: unknown };
    const tmp = makeTempDir('admission-rules');
    try {
      writeFileSync(join(tmp, 'admission-rules.yml'), JSON.stringify(rule.spec));
      copyFileSync(join(__dirname, 'fixtures/admission-rules.test.yml'), join(tmp, 'rules.test.yml'));
      execFileSync('promtool', ['check', 'rules', join(tmp, 'admission-rules.yml')], { stdio: 'pipe' });
      execFileSync('promtool', ['test', 'rules', join(tmp, 'rules.test.yml')], { stdio: 'pipe' });
    } catch (err) {
      throw new Error(`promtool: ${String((err as { stdout?: Buffer }).stdout ?? '')}${String((err as { stderr?: Buffer }).stderr ?? '')}`);
    } finally {
      removeDir(tmp);
    }
  });
});
