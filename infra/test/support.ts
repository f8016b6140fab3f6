import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '@signet/testing';

export const root = repoRoot(__dirname);
export const infra = join(root, 'infra');

/** Files under `dir` (recursively) whose names match `pattern`, as absolute paths, sorted. */
export function listFiles(dir: string, pattern: RegExp): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') out.push(...listFiles(path, pattern));
    else if (entry.isFile() && pattern.test(entry.name)) out.push(path);
  }
  return out.sort();
}

export const rel = (path: string): string => relative(root, path);

/** Every document of a YAML file as plain data; throws on the first syntax error. */
export function loadYaml(path: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(path, 'utf8'), { merge: true });
  const list = Array.isArray(docs) ? docs : [docs];
  for (const d of list) if (d.errors.length > 0) throw new Error(`${rel(path)}: ${d.errors[0]?.message}`);
  return list.map((d) => d.toJS()).filter((d) => d !== null && d !== undefined);
}

/** A Kubernetes-style object, loosely typed: tests read fields by path. */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [k: string]: any;
};

/** Metric names in PromQL text: Signet's own and the process metrics every service exports. */
export function metricNamesIn(promql: string): string[] {
  return [...promql.matchAll(/\b(?:signet|process|nodejs)_[a-z0-9_]+\b/g)].map((m) => m[0]);
}

/** Every PromQL expression of the Grafana dashboard, with Grafana's variables replaced by plain values. */
export function dashboardExpressions(): { panel: string; expr: string }[] {
  const dash = JSON.parse(readFileSync(join(infra, 'grafana/signet-dashboard.json'), 'utf8')) as {
    panels: { title: string; targets?: { expr?: string }[] }[];
  };
  return dash.panels.flatMap((p) =>
    (p.targets ?? []).filter((t) => t.expr).map((t) => ({ panel: p.title, expr: grafanaToPromql(t.expr as string) })),
  );
}

export function grafanaToPromql(expr: string): string {
  return expr.replaceAll('$__rate_interval', '5m').replaceAll('$registry', '.*');
}

/** The alerting rules file's expressions (written alongside this project, loaded as Prometheus does). */
export function ruleExpressions(): { alert: string; expr: string }[] {
  const [doc] = loadYaml(join(infra, 'prometheus/signet-rules.yml')) as {
    groups: { rules: { alert?: string; record?: string; expr: string }[] }[];
  }[];
  return (doc?.groups ?? []).flatMap((g) => g.rules.map((r) => ({ alert: r.alert ?? r.record ?? '?', expr: r.expr })));
}
