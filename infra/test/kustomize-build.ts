import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { loadYaml, rel, type K8sObject } from './support';

/**
 * A small `kustomize build` for the tests: no kustomize binary is installable here (Debian's kubernetes-client
 * is 1.20, whose kustomize predates components). It follows kustomize's order (resources, then components,
 * then this kustomization's generators, then its transformers) for the fields infra/k8s uses, and refuses any
 * other field, so a kustomization it cannot render fails the tests instead of rendering wrongly. Unlike kustomize,
 * generated ConfigMaps keep their plain names (no content-hash suffix).
 */
interface Kustomization {
  apiVersion: string;
  kind: 'Kustomization' | 'Component';
  namespace?: string;
  resources?: string[];
  components?: string[];
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }[];
  images?: { name: string; newName?: string; newTag?: string }[];
  configMapGenerator?: { name: string; behavior?: 'create' | 'replace' | 'merge'; files?: string[]; literals?: string[] }[];
  patches?: { target: PatchTarget; patch?: string; path?: string }[];
}

/** A patch's target (kustomize matches each field as an anchored regex; plain names match themselves). */
interface PatchTarget {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
}

/** A JSON 6902 operation, the patch form infra/k8s uses (strategic-merge patches are refused). */
interface PatchOp {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
}

const SUPPORTED = new Set([
  'apiVersion',
  'kind',
  'namespace',
  'resources',
  'components',
  'labels',
  'images',
  'configMapGenerator',
  'patches',
]);
/** Kinds without a namespace among those infra/k8s could hold. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'ClusterIssuer',
  'CustomResourceDefinition',
  'PriorityClass',
  'StorageClass',
]);

export function readKustomization(dir: string): Kustomization {
  const k = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization;
  const unsupported = Object.keys(k).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length > 0) throw new Error(`${rel(dir)}: the test's kustomize does not handle ${unsupported.join(', ')}`);
  if (k.labels?.some((l) => l.includeSelectors || l.includeTemplates))
    throw new Error(`${rel(dir)}: labels into selectors/templates are not handled`);
  return k;
}

function generate(dir: string, gen: NonNullable<Kustomization['configMapGenerator']>[number]): Record<string, string> {
  const data: Record<string, string> = {};
  for (const file of gen.files ?? []) data[basename(file)] = readFileSync(join(dir, file), 'utf8');
  for (const literal of gen.literals ?? []) {
    const eq = literal.indexOf('=');
    data[literal.slice(0, eq)] = literal.slice(eq + 1);
  }
  return data;
}

function applyGenerators(dir: string, k: Kustomization, objects: K8sObject[]): void {
  for (const gen of k.configMapGenerator ?? []) {
    const data = generate(dir, gen);
    const existing = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === gen.name);
    const behavior = gen.behavior ?? 'create';
    if (behavior === 'create') {
      if (existing) throw new Error(`${rel(dir)}: ConfigMap ${gen.name} exists already (use behavior: replace or merge)`);
      objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: gen.name }, data });
    } else {
      if (!existing) throw new Error(`${rel(dir)}: ConfigMap ${gen.name} to ${behavior} does not exist`);
      existing.data = behavior === 'replace' ? data : { ...existing.data, ...data };
    }
  }
}

function targets(t: PatchTarget, o: K8sObject): boolean {
  const slash = o.apiVersion.lastIndexOf('/');
  const [group, version] = slash < 0 ? ['', o.apiVersion] : [o.apiVersion.slice(0, slash), o.apiVersion.slice(slash + 1)];
  const is = (pattern: string | undefined, value: string) => pattern === undefined || new RegExp(`^(?:${pattern})$`).test(value);
  return is(t.group, group) && is(t.version, version) && is(t.kind, o.kind) && is(t.name, o.metadata.name);
}

/** JSON pointer tokens (RFC 6901: `~1` is `/`, `~0` is `~`). */
const pointer = (path: string): string[] =>
  path
    .split('/')
    .slice(1)
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));

function applyOp(dir: string, o: K8sObject, op: PatchOp): void {
  const tokens = pointer(op.path);
  const last = tokens.pop();
  let at: Record<string, unknown> = o as unknown as Record<string, unknown>;
  for (const t of tokens) {
    if (typeof at[t] !== 'object' || at[t] === null)
      throw new Error(`${rel(dir)}: patch path ${op.path} does not exist on ${o.kind}/${o.metadata.name}`);
    at = at[t] as Record<string, unknown>;
  }
  if (last === undefined || !['add', 'replace', 'remove'].includes(op.op))
    throw new Error(`${rel(dir)}: patch op ${op.op} ${op.path} is not handled`);
  if (op.op !== 'add' && !(last in at))
    throw new Error(`${rel(dir)}: patch path ${op.path} does not exist on ${o.kind}/${o.metadata.name}`);
  if (op.op === 'remove') delete at[last];
  else at[last] = structuredClone(op.value);
}

/** Each patch must match at least one object: a patch that changes nothing is a mistake, as kustomize says. */
function applyPatches(dir: string, k: Kustomization, objects: K8sObject[]): void {
  for (const p of k.patches ?? []) {
    const ops = parse(p.patch ?? readFileSync(join(dir, p.path ?? ''), 'utf8')) as PatchOp[];
    if (!Array.isArray(ops)) throw new Error(`${rel(dir)}: only JSON 6902 patches (a list of operations) are handled`);
    const matched = objects.filter((o) => targets(p.target, o));
    if (matched.length === 0) throw new Error(`${rel(dir)}: no object matches the patch target ${JSON.stringify(p.target)}`);
    for (const o of matched) for (const op of ops) applyOp(dir, o, op);
  }
}

function containersOf(o: K8sObject): { image?: string }[] {
  const pod = o.spec?.template?.spec ?? o.spec?.jobTemplate?.spec?.template?.spec;
  return pod ? [...(pod.containers ?? []), ...(pod.initContainers ?? [])] : [];
}

function applyTransformers(k: Kustomization, objects: K8sObject[]): void {
  for (const o of objects) {
    if (k.namespace && !CLUSTER_SCOPED.has(o.kind)) o.metadata = { ...o.metadata, namespace: k.namespace };
    for (const l of k.labels ?? []) o.metadata.labels = { ...o.metadata.labels, ...l.pairs };
    for (const image of k.images ?? []) {
      for (const c of containersOf(o)) {
        if (c.image !== image.name && !c.image?.startsWith(`${image.name}:`) && !c.image?.startsWith(`${image.name}@`)) continue;
        const tag = image.newTag ?? (c.image.includes(':') ? c.image.slice(c.image.indexOf(':') + 1) : undefined);
        c.image = `${image.newName ?? image.name}${tag ? `:${tag}` : ''}`;
      }
    }
  }
}

function resourcesOf(dir: string, k: Kustomization): K8sObject[] {
  return (k.resources ?? []).flatMap((r) => {
    const path = join(dir, r);
    if (existsSync(join(path, 'kustomization.yaml'))) return build(path);
    return (loadYaml(path) as K8sObject[]).map((o) => structuredClone(o));
  });
}

/** The objects `kustomize build dir` would print (ConfigMap names aside). */
export function build(dir: string): K8sObject[] {
  const k = readKustomization(dir);
  if (k.kind !== 'Kustomization') throw new Error(`${rel(dir)} is a ${k.kind}: build a kustomization that lists it`);
  const objects = resourcesOf(dir, k);
  for (const c of k.components ?? []) applyComponent(join(dir, c), objects);
  applyGenerators(dir, k, objects);
  // kustomize runs patches before its namespace, label and image transformers.
  applyPatches(dir, k, objects);
  applyTransformers(k, objects);
  return objects;
}

/** A component acts on what its parent has accumulated so far. */
function applyComponent(dir: string, objects: K8sObject[]): void {
  const k = readKustomization(dir);
  if (k.kind !== 'Component') throw new Error(`${rel(dir)} is listed as a component but is a ${k.kind}`);
  objects.push(...resourcesOf(dir, k));
  for (const c of k.components ?? []) applyComponent(join(dir, c), objects);
  applyGenerators(dir, k, objects);
  // kustomize runs patches before its namespace, label and image transformers.
  applyPatches(dir, k, objects);
  applyTransformers(k, objects);
}

/** Every file a kustomization names (resources, components, generator inputs), for an existence check. */
export function namedFiles(dir: string): string[] {
  const k = readKustomization(dir);
  return [
    ...(k.resources ?? []),
    ...(k.components ?? []),
    ...(k.configMapGenerator ?? []).flatMap((g) => g.files ?? []),
    ...(k.patches ?? []).flatMap((p) => (p.path ? [p.path] : [])),
  ].map((f) => join(dir, f));
}
