import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DEFAULT_PREFIX, QueueNames } from '@signet/queue';
import { infra, loadYaml, type K8sObject } from './support';

const base = join(infra, 'k8s/base');
const APPS = ['webhook-receiver', 'signer', 'verifier'] as const;

interface Kustomization {
  resources?: string[];
  configMapGenerator?: { name: string; files?: string[] }[];
  patches?: ({ path?: string; patch?: string })[];
}

function kustomization(dir: string): Kustomization {
  return parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization;
}

/** All objects of a kustomization's own resource files (following directory resources). */
function objectsOf(dir: string): K8sObject[] {
  const k = kustomization(dir);
  return (k.resources ?? []).flatMap((r) => {
    const path = join(dir, r);
    return existsSync(join(path, 'kustomization.yaml')) ? objectsOf(path) : (loadYaml(path) as K8sObject[]);
  });
}

const objects = objectsOf(base);
const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
const deployment = (name: string) => byKind('Deployment').find((d) => d.metadata.name === name);

describe('the kustomize base', () => {
  it('lists only files that exist, including configMapGenerator inputs and patches', () => {
    for (const dir of [base, join(infra, 'k8s/hpa')]) {
      const k = kustomization(dir);
      const files = [
        ...(k.resources ?? []),
        ...(k.configMapGenerator ?? []).flatMap((g) => g.files ?? []),
        ...(k.patches ?? []).flatMap((p) => (p.path ? [p.path] : [])),
      ];
      expect(files.length).toBeGreaterThan(0);
      expect(files.filter((f) => !existsSync(join(dir, f)))).toEqual([]);
    }
  });

  it('has a Deployment, a Service and a PodDisruptionBudget selecting the pods of each app', () => {
    for (const app of APPS) {
      const d = deployment(app);
      expect(d).toBeDefined();
      const podLabels = d?.spec.template.metadata.labels as Record<string, string>;
      expect(d?.spec.selector.matchLabels).toEqual(expect.objectContaining({ 'app.kubernetes.io/name': app }));
      const selects = (sel: Record<string, string>) => Object.entries(sel).every(([k, v]) => podLabels[k] === v);
      const services = byKind('Service').filter((s) => s.spec.selector && selects(s.spec.selector));
      expect(services.map((s) => s.metadata.name)).toEqual([app]);
      const pdbs = byKind('PodDisruptionBudget').filter((p) => selects(p.spec.selector.matchLabels));
      expect(pdbs).toHaveLength(1);
      // The Service targets a port the container declares.
      const portNames = d?.spec.template.spec.containers[0].ports.map((p: { name: string }) => p.name);
      for (const p of services[0]?.spec.ports ?? []) expect(portNames).toContain(p.targetPort);
    }
  });

  it('runs every container non-root, read-only, without capabilities, with probes and resources', () => {
    for (const d of byKind('Deployment')) {
      const pod = d.spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      for (const c of pod.containers) {
        expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
        expect(c.readinessProbe.httpGet.path).toBe('/readyz');
        expect(c.livenessProbe.httpGet.path).toBe('/healthz');
        expect(c.resources.requests).toEqual(expect.objectContaining({ cpu: expect.anything(), memory: expect.anything() }));
        expect(c.resources.limits).toEqual(expect.objectContaining({ memory: expect.anything() }));
      }
    }
  });

  it('chooses each app by SIGNET_APP and gives it only Secret keys that exist', () => {
    const secret = byKind('Secret').find((s) => s.metadata.name === 'signet-secrets');
    const keys = Object.keys(secret?.stringData ?? {});
    for (const app of APPS) {
      const env = deployment(app)?.spec.template.spec.containers[0].env as { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
      expect(env.find((e) => e.name === 'SIGNET_APP')?.value).toBe(app);
      for (const e of env.filter((x) => x.valueFrom?.secretKeyRef)) {
        expect(e.valueFrom?.secretKeyRef?.name).toBe('signet-secrets');
        expect(keys).toContain(e.valueFrom?.secretKeyRef?.key);
      }
    }
    // The signing key's password reaches the signer only.
    const withCosign = APPS.filter((app) => deployment(app)?.spec.template.spec.containers[0].env.some((e: { name: string }) => e.name === 'COSIGN_PASSWORD'));
    expect(withCosign).toEqual(['signer']);
  });

  it('scales each worker with KEDA on the BullMQ wait list of the queue it consumes', () => {
    const scaled = byKind('ScaledObject');
    expect(scaled.map((s) => s.spec.scaleTargetRef.name).sort()).toEqual(['signer', 'verifier']);
    for (const s of scaled) expect(deployment(s.spec.scaleTargetRef.name)).toBeDefined();
    const lists = (name: string) =>
      scaled.find((s) => s.metadata.name === name)?.spec.triggers.map((t: { type: string; metadata: { listName: string } }) => `${t.type} ${t.metadata.listName}`);
    expect(lists('signer')).toEqual([`redis ${DEFAULT_PREFIX}:${QueueNames.push}:wait`]);
    expect(lists('verifier')).toEqual([`redis ${DEFAULT_PREFIX}:${QueueNames.verify}:wait`, `redis ${DEFAULT_PREFIX}:${QueueNames.rescan}:wait`]);
  });

  it('lets anyone reach the receiver on 8080 and only the monitoring namespace reach the workers', () => {
    const policies = byKind('NetworkPolicy');
    const receiver = policies.find((p) => p.spec.podSelector.matchLabels?.['app.kubernetes.io/name'] === 'webhook-receiver');
    expect(receiver?.spec.ingress).toEqual([{ ports: [{ port: 8080, protocol: 'TCP' }] }]);
    const deny = policies.find((p) => Object.keys(p.spec.podSelector).length === 0);
    expect(deny?.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    const workers = policies.filter((p) => p.spec.ingress && p !== receiver);
    for (const p of workers) for (const rule of p.spec.ingress) expect(rule.from).toBeDefined();
  });

  it('mounts the files its ConfigMap config names: config, signing key and verifier keys', () => {
    const config = parse(readFileSync(join(base, 'signet.yaml'), 'utf8'));
    const mountsOf = (app: string) =>
      (deployment(app)?.spec.template.spec.containers[0].volumeMounts as { mountPath: string }[]).map((m) => m.mountPath);
    const under = (file: string, app: string) => mountsOf(app).some((m) => file.startsWith(m + '/'));
    for (const app of APPS) {
      const env = deployment(app)?.spec.template.spec.containers[0].env as { name: string; value?: string }[];
      expect(under(env.find((e) => e.name === 'SIGNET_CONFIG')?.value ?? '', app)).toBe(true);
    }
    expect(under(config.signer.key.path, 'signer')).toBe(true);
    for (const key of config.verifier.keys) expect(under(key, 'verifier')).toBe(true);
  });
});

describe('the HPA overlay', () => {
  const dir = join(infra, 'k8s/hpa');
  const hpas = objectsOf(dir).filter((o) => o.kind === 'HorizontalPodAutoscaler');

  it('scales both workers on the exported queue-depth gauge and deletes the KEDA ScaledObjects', () => {
    expect(hpas.map((h) => h.spec.scaleTargetRef.name).sort()).toEqual(['signer', 'verifier']);
    for (const h of hpas) {
      expect(deployment(h.spec.scaleTargetRef.name)).toBeDefined();
      for (const m of h.spec.metrics) {
        expect(m.external.metric.name).toBe('signet_queue_jobs');
        expect(Object.values(QueueNames)).toContain(m.external.metric.selector.matchLabels.queue);
      }
    }
    const deleted = (kustomization(dir).patches ?? []).map((p) => parse(p.patch ?? '') as K8sObject & { $patch?: string });
    expect(deleted.map((d) => `${d.kind}/${d.metadata.name}/${d.$patch}`).sort()).toEqual(['ScaledObject/signer/delete', 'ScaledObject/verifier/delete']);
  });
});
