import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseConfig } from '@signet/config';
import { infra, loadYaml, type K8sObject } from './support';

/** Every `...Env` secret a config names, given a random value as the deployment's environment would (placeholders are refused). */
function envFor(doc: unknown): NodeJS.ProcessEnv {
  const names = [...JSON.stringify(doc).matchAll(/"[a-zA-Z]+Env":"([A-Z_]+)"/g)].map((m) => m[1] as string);
  return Object.fromEntries(names.map((n) => [n, randomBytes(24).toString('hex')]));
}

describe('the Signet configs shipped with the deployments', () => {
  it.each([['infra/compose/signet.yaml'], ['infra/k8s/base/signet.yaml']])('%s is valid for every app', (file) => {
    const doc = parse(readFileSync(join(infra, '..', file), 'utf8'));
    const config = parseConfig(doc, { env: envFor(doc) });
    expect(config.signer?.key?.path).toMatch(/^\/etc\/signet\//);
    expect(config.verifier?.keys.length).toBeGreaterThan(0);
    expect(config.redis.prefix).toBe('{signet}');
    for (const w of config.webhooks) expect(config.registries.map((r) => r.name)).toContain(w.registry);
  });

  it('the compose registry notifies the receiver with the token the receiver expects', () => {
    const [registry] = loadYaml(join(infra, 'compose/registry/config.yml')) as {
      notifications: { endpoints: { url: string; headers: Record<string, string[]> }[] };
    }[];
    const [compose] = loadYaml(join(infra, 'docker-compose.yml')) as {
      services: Record<string, { environment?: Record<string, string> }>;
    }[];
    const signet = parse(readFileSync(join(infra, 'compose/signet.yaml'), 'utf8'));
    const endpoint = registry?.notifications.endpoints[0];
    const hook = signet.webhooks[0];
    expect(endpoint?.url).toBe(`http://webhook-receiver:${signet.receiver.port}/webhooks/${hook.name}`);
    const tokenEnv = compose?.services['webhook-receiver']?.environment?.[hook.auth.tokenEnv] ?? '';
    const defaultToken = /:-([^}]+)\}/.exec(tokenEnv)?.[1];
    expect(endpoint?.headers.Authorization).toEqual([`Bearer ${defaultToken}`]);
  });

  it('compose runs the three apps from one image with Prometheus scraping each on its configured port', () => {
    const [compose] = loadYaml(join(infra, 'docker-compose.yml')) as {
      services: Record<string, { image?: string; environment?: Record<string, string>; read_only?: boolean; cap_drop?: string[] }>;
    }[];
    const [prom] = loadYaml(join(infra, 'compose/prometheus/prometheus.yml')) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    }[];
    const signet = parse(readFileSync(join(infra, 'compose/signet.yaml'), 'utf8'));
    const ports: Record<string, number> = {
      'webhook-receiver': signet.receiver.port,
      signer: signet.signer.port,
      verifier: signet.verifier.port,
    };
    // Metrics are on each app's ops port: the receiver's own, the workers' only one.
    const opsPorts: Record<string, number> = { ...ports, 'webhook-receiver': signet.receiver.ops.port };
    const targets = prom?.scrape_configs.flatMap((s) => s.static_configs.flatMap((c) => c.targets)) ?? [];
    for (const [app, port] of Object.entries(ports)) {
      const svc = compose?.services[app];
      expect(svc).toMatchObject({
        image: 'signet:dev',
        read_only: true,
        cap_drop: ['ALL'],
        environment: { SIGNET_APP: app, PORT: String(port) },
      });
      expect(targets).toContain(`${app}:${opsPorts[app]}`);
    }
    expect(targets).not.toContain(`webhook-receiver:${signet.receiver.port}`);
    expect(compose?.services['webhook-receiver']?.environment?.OPS_PORT).toBe(String(signet.receiver.ops.port));
  });

  it('the PrometheusRule holds exactly the groups of infra/prometheus/signet-rules.yml', () => {
    const [source] = loadYaml(join(infra, 'prometheus/signet-rules.yml')) as { groups: unknown[] }[];
    const [rule] = loadYaml(join(infra, 'k8s/base/prometheusrule.yaml')) as K8sObject[];
    expect(rule?.kind).toBe('PrometheusRule');
    expect(source?.groups.length).toBeGreaterThan(0);
    expect(rule?.spec.groups).toEqual(source?.groups);
  });
});
