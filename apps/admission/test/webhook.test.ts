import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeCertificate, repoRoot, startForeignOrigin, type ForeignOrigin } from '@signet/testing';
import type { RunningAdmission } from '../src/service';
import { admissionReview, applyReplacePatch, pod, post, startAdmissionEnv, type AdmissionEnv } from './env';
import { pushSigned } from './signed-push';

let env: AdmissionEnv;
let svc: RunningAdmission;
let host: string;
let signedDigest: string;
let otherSignedDigest: string;

const validate = (review: unknown, s = svc, path = '/validate') => post(s.port, path, review, env.cert.cert);
const decode = (patch: string | undefined) =>
  JSON.parse(Buffer.from(patch ?? '', 'base64').toString('utf8')) as { op: string; path: string; value: string }[];

/** `spec` (a pod spec) wrapped as an object of `kind`, where that kind keeps its pod template. */
function workload(kind: string, spec: Record<string, unknown>): Record<string, unknown> {
  const template = { metadata: { labels: { app: 'web' } }, spec };
  const metadata = { name: 'web', namespace: 'default' };
  switch (kind) {
    case 'Pod':
      return { apiVersion: 'v1', kind, metadata, spec };
    case 'ReplicationController':
      return { apiVersion: 'v1', kind, metadata, spec: { replicas: 1, selector: { app: 'web' }, template } };
    case 'Job':
      return { apiVersion: 'batch/v1', kind, metadata, spec: { template: { ...template, spec: { ...spec, restartPolicy: 'Never' } } } };
    case 'CronJob':
      return {
        apiVersion: 'batch/v1',
        kind,
        metadata,
        spec: {
          schedule: '*/5 * * * *',
          jobTemplate: { spec: { template: { ...template, spec: { ...spec, restartPolicy: 'OnFailure' } } } },
        },
      };
    default:
      return { apiVersion: 'apps/v1', kind, metadata, spec: { selector: { matchLabels: { app: 'web' } }, template } };
  }
}
const KINDS = ['Pod', 'Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'ReplicationController'];

beforeAll(async () => {
  env = await startAdmissionEnv();
  host = env.registry.host;
  signedDigest = await pushSigned(env, 'team/app', '1.0');
  otherSignedDigest = await pushSigned(env, 'team/sidecar', '2.0');
  await env.push('team/raw:1.0');
  await Promise.all([env.verify('team/app', '1.0'), env.verify('team/sidecar', '2.0'), env.verify('team/raw', '1.0')]);
  svc = await env.start({ namespaces: { staging: 'warn', sandbox: 'audit' } });
}, 60_000);

afterAll(async () => {
  await env?.teardown();
});

describe('what it reads', () => {
  it.each(KINDS)('reads the pod spec of a %s: signed admitted, unsigned denied', async (kind) => {
    const spec = (image: string) => ({ containers: [{ name: 'web', image }] });
    expect((await validate(admissionReview(workload(kind, spec(`${host}/team/app:1.0`))))).body.response?.allowed).toBe(true);
    const denied = await validate(admissionReview(workload(kind, spec(`${host}/team/raw:1.0`))));
    expect(denied.body.response?.allowed).toBe(false);
    expect(denied.body.response?.status?.message).toContain(`${host}/team/raw:1.0`);
  });

  it('denies an unsigned init container (a sidecar) beside signed containers', async () => {
    const res = await validate(
      admissionReview(pod([{ image: `${host}/team/app:1.0` }], { initContainers: [{ image: `${host}/team/raw:1.0`, name: 'setup' }] })),
    );
    expect(res.body.response?.allowed).toBe(false);
    expect(res.body.response?.status?.message).toContain('initContainers[setup]');
  });

  it('denies an unsigned ephemeral container added by kubectl debug (UPDATE on pods/ephemeralcontainers)', async () => {
    const before = pod([{ image: `${host}/team/app:1.0` }]);
    const after = pod([{ image: `${host}/team/app:1.0` }], {
      ephemeralContainers: [{ image: `${host}/team/raw:1.0`, name: 'debugger-x1' }],
    });
    const res = await validate(admissionReview(after, { operation: 'UPDATE', subResource: 'ephemeralcontainers', oldObject: before }));
    expect(res.body.response?.allowed).toBe(false);
    expect(res.body.response?.status?.message).toContain('ephemeralContainers[debugger-x1]');
  });

  it('judges an UPDATE on the images it brings, not on those already there', async () => {
    const before = pod([{ image: `${host}/team/raw:1.0` }]);
    const relabelled = { ...before, metadata: { ...before.metadata, labels: { app: 'web', tier: 'x' } } };
    expect((await validate(admissionReview(relabelled, { operation: 'UPDATE', oldObject: before }))).body.response?.allowed).toBe(true);
    const swapped = workload('Deployment', { containers: [{ name: 'web', image: `${host}/team/raw:1.0` }] });
    const old = workload('Deployment', { containers: [{ name: 'web', image: `${host}/team/app:1.0` }] });
    expect((await validate(admissionReview(swapped, { operation: 'UPDATE', oldObject: old }))).body.response?.allowed).toBe(false);
  });

  it('skips an empty image on a template and answers DELETE without judging', async () => {
    const empty = workload('Deployment', { containers: [{ name: 'web', image: '' }] });
    expect((await validate(admissionReview(empty))).body.response?.allowed).toBe(true);
    const gone = admissionReview(pod([{ image: `${host}/team/raw:1.0` }]), { operation: 'DELETE' });
    expect((await validate(gone)).body.response?.allowed).toBe(true);
  });

  it('podsOnly: templates pass unjudged and unpatched, Pods are still judged', async () => {
    const podsOnly = await env.start({ podsOnly: true });
    const template = await validate(
      admissionReview(workload('Deployment', { containers: [{ name: 'web', image: `${host}/team/raw:1.0` }] })),
      podsOnly,
    );
    expect(template.body.response?.allowed).toBe(true);
    const mutated = await validate(
      admissionReview(workload('Deployment', { containers: [{ name: 'web', image: `${host}/team/app:1.0` }] })),
      podsOnly,
      '/mutate',
    );
    expect(mutated.body.response?.patch).toBeUndefined();
    expect((await validate(admissionReview(pod([{ image: `${host}/team/raw:1.0` }])), podsOnly)).body.response?.allowed).toBe(false);
  });
});

describe('pinning (/mutate)', () => {
  it('pins each signed tag to the judged digest; the patched object passes validation and needs no further patch', async () => {
    const object = workload('CronJob', {
      initContainers: [{ name: 'init', image: `${host}/team/sidecar:2.0` }],
      containers: [
        { name: 'a', image: `${host}/team/app:1.0` },
        { name: 'b', image: `${host}/team/app:1.0@${signedDigest}` },
      ],
    });
    const res = await validate(admissionReview(object), svc, '/mutate');
    expect(res.body.response?.allowed).toBe(true);
    expect(res.body.response?.patchType).toBe('JSONPatch');
    const patched = applyReplacePatch(object, decode(res.body.response?.patch)) as {
      spec: { jobTemplate: { spec: { template: { spec: { containers: { image: string }[]; initContainers: { image: string }[] } } } } };
    };
    const spec = patched.spec.jobTemplate.spec.template.spec;
    expect(spec.containers.map((c) => c.image)).toEqual([`${host}/team/app:1.0@${signedDigest}`, `${host}/team/app:1.0@${signedDigest}`]);
    expect(spec.initContainers[0]?.image).toBe(`${host}/team/sidecar:2.0@${otherSignedDigest}`);
    // Reinvoked on its own output, as reinvocationPolicy IfNeeded may do: nothing left to change.
    const again = await validate(admissionReview(patched as Record<string, unknown>), svc, '/mutate');
    expect(again.body.response?.patch).toBeUndefined();
    expect((await validate(admissionReview(patched as Record<string, unknown>))).body.response?.allowed).toBe(true);
  });

  it('leaves an unsigned image unpinned and never denies from /mutate (the validating webhook does)', async () => {
    const res = await validate(admissionReview(pod([{ image: `${host}/team/raw:1.0` }])), svc, '/mutate');
    expect(res.body.response?.allowed).toBe(true);
    expect(res.body.response?.patch).toBeUndefined();
  });

  it('never returns a patch from /validate', async () => {
    const res = await validate(admissionReview(pod([{ image: `${host}/team/app:1.0` }])));
    expect(res.body.response?.patch).toBeUndefined();
  });
});

describe('modes and policies', () => {
  it('warn mode admits an unsigned image with a warning; audit mode admits and records an audit annotation', async () => {
    const warned = await validate(admissionReview(pod([{ image: `${host}/team/raw:1.0` }]), { namespace: 'staging' }));
    expect(warned.body.response?.allowed).toBe(true);
    expect(warned.body.response?.warnings?.[0]).toContain(`would deny ${host}/team/raw:1.0`);
    const audited = await validate(admissionReview(pod([{ image: `${host}/team/raw:1.0` }]), { namespace: 'sandbox' }));
    expect(audited.body.response?.allowed).toBe(true);
    expect(audited.body.response?.warnings).toBeUndefined();
    expect(audited.body.response?.auditAnnotations?.['signet.dev/would-deny']).toContain('UNSIGNED');
  });

  it('takes the mode a webhook configuration names in its path (/validate/warn) unless the namespace is configured', async () => {
    const review = () => admissionReview(pod([{ image: `${host}/team/raw:1.0` }]), { namespace: 'labelled' });
    expect((await validate(review(), svc, '/validate/warn')).body.response?.allowed).toBe(true);
    expect((await validate(review(), svc, '/validate')).body.response?.allowed).toBe(false);
    expect((await validate(review(), svc, '/validate/lax')).status).toBe(404);
  });

  it('admits anything in an excluded namespace (kube-system by default)', async () => {
    expect(
      (await validate(admissionReview(pod([{ image: `${host}/team/raw:1.0` }]), { namespace: 'kube-system' }))).body.response?.allowed,
    ).toBe(true);
  });

  it('follows the policy for registries Signet does not watch: deny by default, allow, warn; nginx is docker.io/library/nginx:latest', async () => {
    const review = () => admissionReview(pod([{ image: 'nginx' }]));
    const denied = await validate(review());
    expect(denied.body.response?.allowed).toBe(false);
    expect(denied.body.response?.status?.message).toContain('from docker.io, a registry Signet does not watch');
    const allow = await env.start({ unwatchedRegistries: 'allow' });
    const allowed = await validate(review(), allow);
    expect(allowed.body.response).toEqual({ uid: expect.any(String), allowed: true });
    const warn = await env.start({ unwatchedRegistries: 'warn' });
    const warned = await validate(review(), warn);
    expect(warned.body.response?.allowed).toBe(true);
    expect(warned.body.response?.warnings?.[0]).toContain('docker.io/library/nginx:latest');
  });

  it('denies with outcome timeout when live verification outlives the budget', async () => {
    const hang: ForeignOrigin = await startForeignOrigin(() => undefined);
    try {
      const slowHost = new URL(hang.url).host;
      const slow = await env.start({ liveBudget: '300ms' }, { registries: [{ name: 'slow', url: hang.url, timeout: '10s', retries: 0 }] });
      const started = Date.now();
      const res = await validate(admissionReview(pod([{ image: `${slowHost}/team/app:1.0` }])), slow);
      // The registry client would wait 10 s; the budget ends the wait at 300 ms (slack for a busy machine).
      expect(Date.now() - started).toBeLessThan(5000);
      expect(res.body.response?.allowed).toBe(false);
      expect(res.body.response?.status?.message).toContain('took longer than 300 ms');
      const text = await (await fetch(`http://127.0.0.1:${slow.opsPort}/metrics`)).text();
      expect(text).toMatch(/signet_admission_reviews_total\{webhook="validate",outcome="timeout",decision="denied"\} 1/);
    } finally {
      await hang.close();
    }
  });
});

describe('metrics', () => {
  const exportedNames = async () => {
    const page = await (await fetch(`http://127.0.0.1:${svc.opsPort}/metrics`)).text();
    return new Set(
      [...page.matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap(([, name, type]) =>
        type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name as string],
      ),
    );
  };
  /** The admission metric names a shipped file mentions. */
  const namesIn = (file: string) => [...new Set(readFileSync(join(repoRoot(), file), 'utf8').match(/signet_admission_[a-z_]+/g) ?? [])];

  it('exports every metric the shipped alert rules query', async () => {
    const used = namesIn('infra/k8s/components/admission/monitoring/prometheusrule.yaml');
    expect(used.length).toBeGreaterThanOrEqual(2);
    const exported = await exportedNames();
    expect(used.filter((n) => !exported.has(n))).toEqual([]);
  });

  it('exports every metric the Grafana dashboard draws in its Admission row', async () => {
    const used = namesIn('infra/grafana/signet-dashboard.json');
    expect(used).toEqual(
      expect.arrayContaining([
        'signet_admission_reviews_total',
        'signet_admission_images_total',
        'signet_admission_review_duration_seconds_bucket',
      ]),
    );
    const exported = await exportedNames();
    expect(used.filter((n) => !exported.has(n))).toEqual([]);
  });
});

describe('the HTTPS endpoint', () => {
  it('answers a malformed review with a 400 JSON error and keeps serving', async () => {
    for (const body of [
      '{not json',
      JSON.stringify({ apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: {} }),
      JSON.stringify({
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: { kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE' },
      }),
      'null',
      '[]',
    ]) {
      const res = await validate(body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('MALFORMED_REVIEW');
    }
    const odd = admissionReview(pod([{ image: `${host}/team/app:1.0` }]));
    ((odd.request as { object: { spec: { containers: unknown[] } } }).object.spec.containers as unknown[]).push(42, {
      name: 'x',
      image: 7,
    });
    expect((await validate(odd)).body.response?.allowed).toBe(false);
    expect((await validate(admissionReview(pod([{ image: `${host}/team/app:1.0` }])))).body.response?.allowed).toBe(true);
  });

  it('serves a rotated certificate once the files change, without a restart', async () => {
    const first = await validate(admissionReview(pod([{ image: `${host}/team/app:1.0` }])));
    const next = makeCertificate();
    const config = env.config();
    writeFileSync(config.admission!.tls.keyFile, next.key);
    writeFileSync(config.admission!.tls.certFile, next.cert);
    const deadline = Date.now() + 5000;
    let fingerprint = first.fingerprint;
    while (fingerprint === first.fingerprint && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      fingerprint = (
        await post(svc.port, '/validate', admissionReview(pod([{ image: `${host}/team/app:1.0` }])), `${env.cert.cert}\n${next.cert}`)
      ).fingerprint;
    }
    expect(fingerprint).not.toBe(first.fingerprint);
    const res = await post(svc.port, '/validate', admissionReview(pod([{ image: `${host}/team/app:1.0` }])), next.cert);
    expect(res.body.response?.allowed).toBe(true);
    env.cert = { ...env.cert, cert: `${env.cert.cert}\n${next.cert}` };
  });
});
