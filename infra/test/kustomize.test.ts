import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DEFAULT_PREFIX, QueueNames } from '@signet/queue';
import { build, namedFiles, readKustomization } from './kustomize-build';
import { infra, listFiles, loadYaml, rel, type K8sObject } from './support';
import { allows, type Peer } from './network-policy';

const k8s = join(infra, 'k8s');
const APPS = ['webhook-receiver', 'signer', 'verifier'] as const;
const example = build(join(k8s, 'overlays/example'));
const byKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const find = (kind: string, name: string) => example.find((o) => o.kind === kind && o.metadata.name === name);
const container = (o: K8sObject | undefined) => o?.spec.template.spec.containers[0];
type EnvVar = {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
};
const envOf = (o: K8sObject | undefined) => (container(o)?.env ?? []) as EnvVar[];

/** The services' shutdown timeout (onShutdown's default), which the grace periods must outlast. */
const shutdownSeconds = (() => {
  const text = readFileSync(join(infra, '../packages/observability/src/shutdown.ts'), 'utf8');
  return Number(/timeoutMs = ([\d_]+)/.exec(text)?.[1]?.replaceAll('_', '')) / 1000;
})();

describe('the kustomizations', () => {
  const dirs = listFiles(k8s, /^kustomization\.yaml$/).map((f) => join(f, '..'));

  it('name only files and folders that exist', () => {
    expect(dirs.length).toBeGreaterThanOrEqual(6);
    for (const dir of dirs) expect(namedFiles(dir).filter((f) => !existsSync(f))).toEqual([]);
  });

  it('base needs no CRD, so it applies to any cluster; the CRD objects come with their components', () => {
    const base = build(join(k8s, 'base'));
    expect(base.filter((o) => !/^(v1|apps\/v1|policy\/v1)$/.test(o.apiVersion)).map((o) => o.kind)).toEqual([]);
    expect(byKind(example, 'ScaledObject')).toHaveLength(2);
    expect(byKind(example, 'ServiceMonitor')).toHaveLength(1);
    expect(byKind(example, 'PrometheusRule')).toHaveLength(1);
  });

  it('puts every namespaced object of the example in one namespace', () => {
    const namespaces = new Set(example.filter((o) => o.kind !== 'Namespace').map((o) => o.metadata.namespace));
    expect([...namespaces]).toEqual(['signet']);
  });

  it('writes the monitoring component the same PrometheusRule as base/prometheusrule.yaml', () => {
    const read = (f: string) => readFileSync(join(k8s, f), 'utf8');
    expect(read('components/monitoring/prometheusrule.yaml')).toBe(read('base/prometheusrule.yaml'));
  });
});

describe('the example overlay', () => {
  it('has a Deployment, a Service and a PodDisruptionBudget selecting the pods of each app', () => {
    for (const app of APPS) {
      const d = find('Deployment', app);
      expect(d).toBeDefined();
      const podLabels = d?.spec.template.metadata.labels as Record<string, string>;
      expect(d?.spec.selector.matchLabels).toEqual(expect.objectContaining({ 'app.kubernetes.io/name': app }));
      const selects = (sel: Record<string, string>) => Object.entries(sel).every(([k, v]) => podLabels[k] === v);
      const services = byKind(example, 'Service').filter((s) => s.spec.selector && selects(s.spec.selector));
      expect(services.map((s) => s.metadata.name)).toEqual([app]);
      expect(byKind(example, 'PodDisruptionBudget').filter((p) => selects(p.spec.selector.matchLabels))).toHaveLength(1);
      const portNames = container(d).ports.map((p: { name: string }) => p.name);
      for (const p of services[0]?.spec.ports ?? []) expect(portNames).toContain(p.targetPort);
      expect(container(d).image).toBe('ghcr.io/signet-project/signet:0.1.0');
    }
  });

  it('runs every container non-root, read-only, without capabilities, with probes and resources (Redis too)', () => {
    for (const d of [...byKind(example, 'Deployment'), ...byKind(example, 'StatefulSet')]) {
      const pod = d.spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      for (const c of pod.containers) {
        expect(c.securityContext).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(c.readinessProbe).toBeDefined();
        expect(c.livenessProbe).toBeDefined();
        expect(c.resources.requests).toEqual(expect.objectContaining({ cpu: expect.anything(), memory: expect.anything() }));
        expect(c.resources.limits).toEqual(expect.objectContaining({ memory: expect.anything() }));
      }
    }
    for (const app of APPS) expect(container(find('Deployment', app)).readinessProbe.httpGet.path).toBe('/readyz');
  });

  it('chooses each app by SIGNET_APP, gives it only Secret keys that exist, and the signing key to the signer alone', () => {
    const keys = Object.keys(exampleSecret('signet-secrets')?.stringData ?? {});
    expect(keys.length).toBeGreaterThan(0);
    for (const app of APPS) {
      const env = envOf(find('Deployment', app));
      expect(env.find((e) => e.name === 'SIGNET_APP')?.value).toBe(app);
      for (const e of env.filter((x) => x.valueFrom?.secretKeyRef)) {
        expect(e.valueFrom?.secretKeyRef?.name).toBe('signet-secrets');
        expect(keys).toContain(e.valueFrom?.secretKeyRef?.key);
      }
    }
    expect(APPS.filter((app) => envOf(find('Deployment', app)).some((e) => e.name === 'COSIGN_PASSWORD'))).toEqual(['signer']);
  });

  it('mounts the files its config names: config, signing key and verifier keys', () => {
    const config = parse(readFileSync(join(k8s, 'base/signet.yaml'), 'utf8'));
    const mountsOf = (app: string) => (container(find('Deployment', app)).volumeMounts as { mountPath: string }[]).map((m) => m.mountPath);
    const under = (file: string, app: string) => mountsOf(app).some((m) => file.startsWith(m + '/'));
    for (const app of APPS)
      expect(under(envOf(find('Deployment', app)).find((e) => e.name === 'SIGNET_CONFIG')?.value ?? '', app)).toBe(true);
    expect(under(config.signer.key.path, 'signer')).toBe(true);
    for (const key of config.verifier.keys) expect(under(key, 'verifier')).toBe(true);
  });
});

/** The Secrets the operator creates, as documented (keys, no values) in overlays/example/secrets.example.yaml. */
const exampleSecret = (name: string) =>
  (loadYaml(join(k8s, 'overlays/example/secrets.example.yaml')) as K8sObject[]).find(
    (o) => o.kind === 'Secret' && o.metadata.name === name,
  );

describe('secrets', () => {
  const layouts = listFiles(k8s, /^kustomization\.yaml$/)
    .map((f) => join(f, '..'))
    .filter((dir) => readKustomization(dir).kind === 'Kustomization');

  it('ships no Secret in base or in any layout, so `kubectl apply -k` never overwrites a real one with a known value', () => {
    expect(layouts.map((dir) => rel(dir))).toEqual(expect.arrayContaining(['infra/k8s/base', 'infra/k8s/overlays/example']));
    for (const dir of layouts)
      expect({ dir: rel(dir), secrets: byKind(build(dir), 'Secret').map((s) => s.metadata.name) }).toEqual({ dir: rel(dir), secrets: [] });
    for (const file of listFiles(join(k8s, 'base'), /\.ya?ml$/)) {
      expect({ file: rel(file), secrets: (loadYaml(file) as K8sObject[]).filter((o) => o?.kind === 'Secret').length }).toEqual({
        file: rel(file),
        secrets: 0,
      });
    }
  });

  it('documents every secret key the pods read, with no value, and how to create them', () => {
    for (const name of ['signet-secrets', 'signet-signing-key']) {
      const secret = exampleSecret(name);
      expect(secret?.data).toBeUndefined();
      expect(Object.values(secret?.stringData ?? { missing: 'x' }).every((v) => v === '')).toBe(true);
    }
    const text = readFileSync(join(k8s, 'overlays/example/secrets.example.yaml'), 'utf8');
    expect(text).toContain('kubectl -n signet create secret generic signet-secrets');
    expect(text).toContain('kubectl -n signet create secret generic signet-signing-key');
    const signer = find('Deployment', 'signer')?.spec.template.spec;
    const keyVolume = signer.volumes.find((v: { secret?: { secretName: string } }) => v.secret?.secretName === 'signet-signing-key');
    expect(keyVolume).toBeDefined();
  });
});

describe('Redis in the example', () => {
  const redis = find('StatefulSet', 'redis');
  const args = (container(redis)?.args ?? []) as string[];
  const arg = (name: string) => args[args.indexOf(`--${name}`) + 1];

  it('keeps an append-only file on a persistent volume and never evicts keys', () => {
    expect(arg('appendonly')).toBe('yes');
    expect(arg('maxmemory-policy')).toBe('noeviction');
    const claim = redis?.spec.volumeClaimTemplates[0];
    expect(claim.spec.resources.requests.storage).toBeDefined();
    expect(container(redis).volumeMounts).toContainEqual({ name: claim.metadata.name, mountPath: arg('dir') });
    expect(redis?.spec.replicas).toBe(1);
  });

  it('has one address, in one ConfigMap, that every Signet pod and both ScaledObjects use', () => {
    const address = find('ConfigMap', 'signet-redis')?.data.REDIS_ADDRESS as string;
    // The address names this Redis Service, fully qualified (KEDA's operator resolves it from its namespace).
    const service = find('Service', 'redis');
    expect(address).toBe(`redis.${service?.metadata.namespace}.svc:${service?.spec.ports[0].port}`);
    for (const app of APPS) {
      const env = envOf(find('Deployment', app));
      expect(env.find((e) => e.name === 'REDIS_ADDRESS')?.valueFrom?.configMapKeyRef).toEqual({
        name: 'signet-redis',
        key: 'REDIS_ADDRESS',
      });
      // Kubernetes expands $(VAR) from variables defined earlier in the list.
      const url = env.findIndex((e) => e.name === 'REDIS_URL');
      expect(env[url]?.value).toBe('redis://$(REDIS_ADDRESS)');
      expect(env.findIndex((e) => e.name === 'REDIS_ADDRESS')).toBeLessThan(url);
    }
    for (const s of byKind(example, 'ScaledObject')) {
      for (const t of s.spec.triggers) {
        expect(t.metadata.addressFromEnv).toBe('REDIS_ADDRESS');
        expect(t.metadata.address ?? t.metadata.host).toBeUndefined();
      }
    }
    // Nowhere else: not in the config file, not in a trigger.
    const config = parse(readFileSync(join(k8s, 'base/signet.yaml'), 'utf8'));
    expect(config.redis.url).toBeUndefined();
  });
});

describe('autoscaling and rollouts', () => {
  it('scales each worker with KEDA on the BullMQ wait list of the queue it consumes', () => {
    const scaled = byKind(example, 'ScaledObject');
    expect(scaled.map((s) => s.spec.scaleTargetRef.name).sort()).toEqual(['signer', 'verifier']);
    const lists = (name: string) =>
      scaled
        .find((s) => s.metadata.name === name)
        ?.spec.triggers.map((t: { type: string; metadata: { listName: string } }) => `${t.type} ${t.metadata.listName}`);
    expect(lists('signer')).toEqual([`redis ${DEFAULT_PREFIX}:${QueueNames.push}:wait`]);
    expect(lists('verifier')).toEqual([
      `redis ${DEFAULT_PREFIX}:${QueueNames.verify}:wait`,
      `redis ${DEFAULT_PREFIX}:${QueueNames.rescan}:wait`,
    ]);
  });

  it('pins no replicas on a Deployment an autoscaler owns', () => {
    const hpa = build(join(k8s, 'hpa'));
    const targets = [...byKind(example, 'ScaledObject'), ...byKind(hpa, 'HorizontalPodAutoscaler')].map((s) => s.spec.scaleTargetRef.name);
    expect(new Set(targets)).toEqual(new Set(['signer', 'verifier']));
    for (const name of targets) expect(find('Deployment', name)?.spec).not.toHaveProperty('replicas');
  });

  it('lets a rollout finish every webhook: preStop delay, then a grace period longer than it plus the shutdown timeout', () => {
    expect(shutdownSeconds).toBeGreaterThan(0);
    const receiver = find('Deployment', 'webhook-receiver');
    const [sleep, seconds] = container(receiver).lifecycle.preStop.exec.command as string[];
    expect(sleep).toBe('/bin/sleep');
    expect(Number(seconds)).toBeGreaterThanOrEqual(5);
    expect(receiver?.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(Number(seconds) + shutdownSeconds);
    expect(receiver?.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    for (const app of ['signer', 'verifier'])
      expect(find('Deployment', app)?.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(shutdownSeconds);
  });

  it('the HPA layout scales both workers on the exported queue-depth gauge, without KEDA', () => {
    const hpa = build(join(k8s, 'hpa'));
    expect(byKind(hpa, 'ScaledObject')).toEqual([]);
    for (const h of byKind(hpa, 'HorizontalPodAutoscaler')) {
      for (const m of h.spec.metrics) {
        expect(m.external.metric.name).toBe('signet_queue_jobs');
        expect(Object.values(QueueNames)).toContain(m.external.metric.selector.matchLabels.queue);
      }
    }
  });
});

describe('the Ingress example', () => {
  const ingress = find('Ingress', 'webhook-receiver');

  it('routes only /webhooks/ to the receiver, over TLS for the same host', () => {
    const rules = ingress?.spec.rules as {
      host: string;
      http: { paths: { path: string; pathType: string; backend: { service: { name: string; port: { name: string } } } }[] };
    }[];
    expect(
      rules.flatMap((r) => r.http.paths.map((p) => `${p.pathType} ${p.path} -> ${p.backend.service.name}:${p.backend.service.port.name}`)),
    ).toEqual(['Prefix /webhooks/ -> webhook-receiver:http']);
    expect(ingress?.spec.defaultBackend).toBeUndefined();
    expect(ingress?.spec.tls).toEqual([{ hosts: rules.map((r) => r.host), secretName: expect.any(String) }]);
    const port = find('Service', 'webhook-receiver')?.spec.ports.find((p: { name: string }) => p.name === 'http');
    expect(port).toBeDefined();
    // That Service port leads to the container port the receiver serves webhooks on (PORT), not its ops port.
    const receiver = container(find('Deployment', 'webhook-receiver'));
    const containerPort = receiver.ports.find((p: { name: string }) => p.name === port.targetPort)?.containerPort;
    expect(String(containerPort)).toBe(envOf(find('Deployment', 'webhook-receiver')).find((e) => e.name === 'PORT')?.value);
  });

  it('probes and scrapes the receiver on its ops port, which the Ingress never routes', () => {
    const d = find('Deployment', 'webhook-receiver');
    const c = container(d);
    const opsPort = c.ports.find((p: { name: string }) => p.name === 'metrics')?.containerPort;
    expect(String(opsPort)).toBe(envOf(d).find((e) => e.name === 'OPS_PORT')?.value);
    expect(String(opsPort)).not.toBe(envOf(d).find((e) => e.name === 'PORT')?.value);
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) expect(c[probe].httpGet.port).toBe('metrics');
    const endpoints = byKind(example, 'ServiceMonitor')[0]?.spec.endpoints as { port: string; path: string }[];
    expect(endpoints.map((e) => `${e.port} ${e.path}`)).toEqual(['metrics /metrics']);
    const svcPorts = find('Service', 'webhook-receiver')?.spec.ports.map(
      (p: { name: string; targetPort: string }) => `${p.name}->${p.targetPort}`,
    );
    expect(svcPorts).toEqual(['http->http', 'metrics->metrics']);
  });

  it('gets its certificate from a cert-manager Issuer in the overlay', () => {
    const issuer = ingress?.metadata.annotations?.['cert-manager.io/issuer'];
    expect(find('Issuer', issuer ?? '')?.spec.acme.solvers[0].http01.ingress.ingressClassName).toBe(ingress?.spec.ingressClassName);
  });
});

describe('the NetworkPolicies, evaluated', () => {
  const policies = byKind(example, 'NetworkPolicy');
  // The optional policy for private registries, as the example's namespace would hold it once enabled.
  const privateEgress = (loadYaml(join(k8s, 'overlays/example/registry-egress-private.yaml')) as K8sObject[]).map((o) => ({
    ...o,
    metadata: { ...o.metadata, namespace: 'signet' },
  }));
  const withPrivate = [...policies, ...privateEgress];
  const pod = (labels: Record<string, string>, namespace = 'signet'): Peer => ({ namespace, labels });
  const signet = (app: string) => pod({ 'app.kubernetes.io/name': app, 'app.kubernetes.io/part-of': 'signet' });
  const redis = pod({ 'app.kubernetes.io/name': 'redis' });
  const keda = pod({ app: 'keda-operator' }, 'keda');
  const can = (ps: K8sObject[], from: Peer, to: Peer, port: number, protocol: 'TCP' | 'UDP' = 'TCP') =>
    allows(ps, from, to, port, protocol);

  it('lets Signet pods and the KEDA operator reach an in-namespace Redis, and nobody else', () => {
    for (const app of APPS) expect(can(policies, signet(app), redis, 6379)).toBe(true);
    expect(can(policies, keda, redis, 6379)).toBe(true);
    expect(can(policies, pod({ app: 'keda-operator' }, 'other'), redis, 6379)).toBe(false);
    expect(can(policies, pod({ app: 'something' }, 'keda'), redis, 6379)).toBe(false);
    expect(can(policies, pod({ app: 'curl' }), redis, 6379)).toBe(false);
  });

  it('resolves names through CoreDNS (53), OpenShift DNS (5353) and NodeLocal DNSCache (169.254.20.10)', () => {
    const coredns = pod({ 'k8s-app': 'kube-dns' }, 'kube-system');
    const openshift = pod({ 'dns.operator.openshift.io/daemonset-dns': 'default' }, 'openshift-dns');
    for (const app of APPS) {
      for (const protocol of ['UDP', 'TCP'] as const) {
        expect(can(policies, signet(app), coredns, 53, protocol)).toBe(true);
        expect(can(policies, signet(app), openshift, 5353, protocol)).toBe(true);
        expect(can(policies, signet(app), { ip: '169.254.20.10' }, 53, protocol)).toBe(true);
      }
      expect(can(policies, signet(app), { ip: '169.254.169.254' }, 80)).toBe(false);
    }
  });

  it('lets the workers reach public registries over IPv4 and IPv6, and private ones only once allowed', () => {
    for (const app of ['signer', 'verifier']) {
      expect(can(policies, signet(app), { ip: '203.0.113.10' }, 443)).toBe(true);
      expect(can(policies, signet(app), { ip: '2001:db8::10' }, 443)).toBe(true);
      expect(can(policies, signet(app), { ip: '10.20.1.5' }, 443)).toBe(false);
      expect(can(policies, signet(app), { ip: 'fd00:20::5' }, 443)).toBe(false);
      expect(can(policies, signet(app), pod({ app: 'registry' }, 'registry'), 5000)).toBe(false);
      expect(can(withPrivate, signet(app), { ip: '10.20.1.5' }, 443)).toBe(true);
      expect(can(withPrivate, signet(app), { ip: 'fd00:20::5' }, 443)).toBe(true);
      expect(can(withPrivate, signet(app), pod({ app: 'registry' }, 'registry'), 5000)).toBe(true);
    }
    expect(can(withPrivate, signet('webhook-receiver'), { ip: '203.0.113.10' }, 443)).toBe(false);
  });

  it('lets anyone reach the receiver on 8080, only Prometheus reach the ops ports, and the ingress controller reach ACME solvers', () => {
    const anyone = pod({ app: 'ingress-nginx' }, 'other');
    const prometheus = pod({ app: 'prometheus' }, 'monitoring');
    expect(can(policies, anyone, signet('webhook-receiver'), 8080)).toBe(true);
    expect(can(policies, { ip: '198.51.100.7' }, signet('webhook-receiver'), 8080)).toBe(true);
    expect(can(policies, anyone, signet('webhook-receiver'), 9100)).toBe(false);
    expect(can(policies, { ip: '198.51.100.7' }, signet('webhook-receiver'), 9100)).toBe(false);
    expect(can(policies, prometheus, signet('webhook-receiver'), 9100)).toBe(true);
    expect(can(policies, prometheus, signet('verifier'), 9102)).toBe(true);
    expect(can(policies, anyone, signet('signer'), 9101)).toBe(false);
    expect(can(policies, pod({ app: 'prometheus' }, 'monitoring'), signet('signer'), 9101)).toBe(true);
    expect(can(policies, anyone, pod({ 'acme.cert-manager.io/http01-solver': 'true' }), 8089)).toBe(true);
  });
});
