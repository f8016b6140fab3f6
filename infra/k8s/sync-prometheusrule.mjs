// Writes the PrometheusRule from infra/prometheus/signet-rules.yml, the single source of the alert rules, into
// the monitoring component (what `kubectl apply -k` uses: kustomize reads no file outside a component's folder)
// and into base/prometheusrule.yaml (kept for the tests that read it there). Run after editing the rules:
// node infra/k8s/sync-prometheusrule.mjs (infra's tests fail on drift).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

const infra = join(dirname(fileURLToPath(import.meta.url)), '..');
const rules = parse(readFileSync(join(infra, 'prometheus/signet-rules.yml'), 'utf8'));
const resource = {
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'PrometheusRule',
  // `release`: kube-prometheus-stack's Prometheus loads only rules labelled with its Helm release name (its
  // default ruleSelector); overlays/example patches the value to yours.
  metadata: { name: 'signet', labels: { 'app.kubernetes.io/name': 'signet', release: 'kube-prometheus-stack' } },
  spec: { groups: rules.groups },
};
const header = [
  '# Generated from infra/prometheus/signet-rules.yml by infra/k8s/sync-prometheusrule.mjs: edit the source, then',
  '# run the script. Prometheus Operator loads it when its ruleSelector matches these labels (kube-prometheus-stack:',
  '# `release: <its Helm release name>`; overlays/example shows how to set yours).',
  '',
].join('\n');
for (const file of ['k8s/base/prometheusrule.yaml', 'k8s/components/monitoring/prometheusrule.yaml']) {
  writeFileSync(join(infra, file), header + stringify(resource, { lineWidth: 0 }));
}
