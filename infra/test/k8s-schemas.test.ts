import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { build } from './kustomize-build';
import { infra, listFiles, loadYaml, rel, type K8sObject } from './support';

type Result = { kind: string; name: string; error: string | null };

/** Validates objects with the kubernetes-models schemas (ES modules, hence a child process; see validate-k8s.mjs). */
function validate(objects: unknown[]): Result[] {
  const out = execFileSync(process.execPath, [join(__dirname, 'validate-k8s.mjs')], { input: JSON.stringify(objects), encoding: 'utf8' });
  return JSON.parse(out) as Result[];
}
const failures = (results: Result[]) => results.filter((r) => r.error !== null).map((r) => `${r.kind}/${r.name}: ${r.error}`);

/** Files of kustomize's own configuration, and configs that are not Kubernetes objects. */
const NOT_OBJECTS = [/\/kustomization\.yaml$/, /\/k8s\/base\/signet\.yaml$/, /\/prometheus-adapter-values\.yaml$/];

describe('every Kubernetes object under infra/ against the API schemas (and KEDA, cert-manager, Prometheus Operator)', () => {
  const files = listFiles(join(infra, 'k8s'), /\.ya?ml$/).filter((f) => !NOT_OBJECTS.some((p) => p.test(f)));

  it('finds every kind it is meant to check', () => {
    const kinds = new Set(files.flatMap((f) => (loadYaml(f) as K8sObject[]).map((o) => o.kind)));
    for (const kind of [
      'Namespace',
      'Deployment',
      'StatefulSet',
      'Service',
      'Secret',
      'PodDisruptionBudget',
      'NetworkPolicy',
      'Ingress',
      'HorizontalPodAutoscaler',
      'ScaledObject',
      'ServiceMonitor',
      'PrometheusRule',
      'Issuer',
    ]) {
      expect(kinds).toContain(kind);
    }
  });

  // One child process for every object (starting one per file costs a second or two each).
  const RENDERED = ['overlays/example', 'hpa', 'base'];
  const groups = [
    ...files.map((f) => ({ name: rel(f), objects: loadYaml(f) as K8sObject[] })),
    ...RENDERED.map((dir) => ({ name: `rendered ${dir}`, objects: build(join(infra, 'k8s', dir)) })),
  ];
  const results = new Map<string, Result[]>();
  beforeAll(() => {
    const all = validate(groups.flatMap((g) => g.objects));
    let at = 0;
    for (const g of groups) results.set(g.name, all.slice(at, (at += g.objects.length)));
  });

  it.each(files.map((f) => [rel(f)]))('%s: every document is a valid object', (name) => {
    const group = groups.find((g) => g.name === name);
    expect(results.get(name)).toHaveLength(group?.objects.length ?? -1);
    expect(failures(results.get(name) ?? [])).toEqual([]);
  });

  it.each(RENDERED.map((dir) => [dir]))('the rendered %s is valid, object by object', (dir) => {
    const name = `rendered ${dir}`;
    expect(results.get(name)?.length).toBeGreaterThan(5);
    expect(failures(results.get(name) ?? [])).toEqual([]);
  });

  it('refuses objects the API server or a CRD would refuse, and kinds it has no schema for', () => {
    const results = validate([
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 'two', selector: {}, template: {} } },
      { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 's' }, spec: { scaleTargetRef: {}, triggers: [] } },
      { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'm' }, spec: { endpoints: [{ interval: 30 }] } },
      { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { name: 'i' }, spec: { acme: { server: 'https://acme.example' } } },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'n' },
        spec: { podSelector: {}, ingress: [{ ports: [{ protocol: 'TCP', port: [] }] }] },
      },
      { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } },
    ]);
    expect(results.map((r) => [r.kind, r.error === null])).toEqual([
      ['Deployment', false],
      ['ScaledObject', false],
      ['ServiceMonitor', false],
      ['Issuer', false],
      ['NetworkPolicy', false],
      ['Widget', false],
    ]);
    expect(results[0]?.error).toMatch(/replicas must be integer/);
    expect(results[5]?.error).toMatch(/no schema for example.com\/v1 Widget/);
  });
});
