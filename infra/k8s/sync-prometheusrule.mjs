// Writes infra/k8s/base/prometheusrule.yaml from infra/prometheus/signet-rules.yml, the single source of the
// alert rules. Run after editing the rules: node infra/k8s/sync-prometheusrule.mjs (infra's tests fail on drift).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

const infra = join(dirname(fileURLToPath(import.meta.url)), '..');
const rules = parse(readFileSync(join(infra, 'prometheus/signet-rules.yml'), 'utf8'));
const resource = {
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'PrometheusRule',
  metadata: { name: 'signet', labels: { 'app.kubernetes.io/name': 'signet' } },
  spec: { groups: rules.groups },
};
const header = [
  '# Generated from infra/prometheus/signet-rules.yml by infra/k8s/sync-prometheusrule.mjs: edit the source, then',
  '# run the script. Prometheus Operator loads it when its ruleSelector matches these labels.',
  '',
].join('\n');
writeFileSync(join(infra, 'k8s/base/prometheusrule.yaml'), header + stringify(resource, { lineWidth: 0 }));
