/**
 * kube-prometheus-stack's Prometheus picks up only ServiceMonitors and PrometheusRules labelled `release: <its
 * Helm release name>`: without the label the rules and scrapes silently do nothing. The example overlay sets it
 * with a patch a user edits; these tests render the layouts and check every object lands where it should.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse, stringify } from 'yaml';
import { makeTempDir, removeDir } from '@signet/testing';
import { build } from './kustomize-build';
import { infra, type K8sObject } from './support';

const k8s = join(infra, 'k8s');
const exampleDir = join(k8s, 'overlays/example');
const MONITORING = new Set(['ServiceMonitor', 'PrometheusRule']);
const releaseOf = (objects: K8sObject[]) =>
  Object.fromEntries(objects.filter((o) => o.metadata.labels?.release !== undefined).map((o) => [o.kind, o.metadata.labels?.release]));

interface Overlay {
  resources: string[];
  components: string[];
  patches: { target: Record<string, string>; patch: string }[];
  [key: string]: unknown;
}

/** The example overlay copied elsewhere (paths rewritten), as a user would, with the release label set to `release`. */
function copyOfExample(dir: string, release: string | undefined): K8sObject[] {
  const k = parse(readFileSync(join(exampleDir, 'kustomization.yaml'), 'utf8')) as Overlay;
  const moved = (p: string) => relative(dir, join(exampleDir, p));
  const patches = k.patches.map((p) => {
    const ops = parse(p.patch) as { path: string; value: unknown }[];
    return { ...p, patch: stringify(ops.map((op) => (op.path === '/metadata/labels/release' ? { ...op, value: release } : op))) };
  });
  const copy: Partial<Overlay> = { ...k, resources: k.resources.map(moved), components: k.components.map(moved), patches };
  if (release === undefined) delete copy.patches;
  writeFileSync(join(dir, 'kustomization.yaml'), stringify(copy));
  return build(dir);
}

describe('monitoring objects carry the label kube-prometheus-stack selects on', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir('infra-monitoring');
  });
  afterEach(() => removeDir(dir));

  it('the example sets release on the ServiceMonitor and the PrometheusRule, and on nothing else', () => {
    const example = build(exampleDir);
    expect(releaseOf(example)).toEqual({ ServiceMonitor: 'kube-prometheus-stack', PrometheusRule: 'kube-prometheus-stack' });
    expect(example.filter((o) => MONITORING.has(o.kind))).toHaveLength(2);
  });

  it('a copy of the example with another Helm release name renders that name on both', () => {
    expect(releaseOf(copyOfExample(dir, 'prom-prod'))).toEqual({ ServiceMonitor: 'prom-prod', PrometheusRule: 'prom-prod' });
  });

  it("without the overlay's patch the component's default label stands", () => {
    expect(releaseOf(copyOfExample(dir, undefined))).toEqual({
      ServiceMonitor: 'kube-prometheus-stack',
      PrometheusRule: 'kube-prometheus-stack',
    });
  });

  it('a patch whose target matches nothing fails the render (a misspelt kind does not pass silently)', () => {
    const k = parse(readFileSync(join(exampleDir, 'kustomization.yaml'), 'utf8')) as Overlay;
    k.resources = k.resources.map((p) => relative(dir, join(exampleDir, p)));
    k.components = k.components.map((p) => relative(dir, join(exampleDir, p)));
    k.patches = [{ ...k.patches[0]!, target: { group: 'monitoring.coreos.com', kind: 'ServiceMonitors' } }];
    writeFileSync(join(dir, 'kustomization.yaml'), stringify(k));
    expect(() => build(dir)).toThrow(/no object matches the patch target/);
  });

  it("the ServiceMonitor selects the three services' Services and scrapes a port each of them names", () => {
    const example = build(exampleDir);
    const [monitor] = example.filter((o) => o.kind === 'ServiceMonitor');
    const selector = monitor?.spec.selector.matchLabels as Record<string, string>;
    const ports = (monitor?.spec.endpoints as { port: string }[]).map((e) => e.port);
    for (const app of ['webhook-receiver', 'signer', 'verifier']) {
      const service = example.find((o) => o.kind === 'Service' && o.metadata.name === app);
      expect(Object.entries(selector).every(([key, value]) => service?.metadata.labels?.[key] === value)).toBe(true);
      expect((service?.spec.ports as { name: string }[]).some((p) => ports.includes(p.name))).toBe(true);
    }
  });
});
