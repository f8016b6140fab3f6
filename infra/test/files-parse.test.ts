import { readFileSync } from 'node:fs';
import { infra, listFiles, loadYaml, rel } from './support';

describe('every configuration file under infra/ parses', () => {
  const yamlFiles = listFiles(infra, /\.ya?ml$/);
  const jsonFiles = listFiles(infra, /\.json$/);

  it('finds the files it is meant to check', () => {
    const names = [...yamlFiles, ...jsonFiles].map(rel);
    expect(names).toEqual(
      expect.arrayContaining([
        'infra/docker-compose.yml',
        'infra/k8s/base/kustomization.yaml',
        'infra/k8s/hpa/kustomization.yaml',
        'infra/grafana/signet-dashboard.json',
        'infra/prometheus/signet-rules.yml',
        'infra/project.json',
      ]),
    );
  });

  it.each(yamlFiles.map((f) => [rel(f), f]))('%s is valid YAML (all documents)', (_name, file) => {
    const docs = loadYaml(file);
    expect(docs.length).toBeGreaterThan(0);
  });

  it.each(jsonFiles.map((f) => [rel(f), f]))('%s is valid JSON', (_name, file) => {
    expect(() => JSON.parse(readFileSync(file, 'utf8'))).not.toThrow();
  });
});
