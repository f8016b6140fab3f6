// Validates Kubernetes objects against the API's OpenAPI schemas, and KEDA's, cert-manager's and Prometheus
// Operator's CRD schemas, as bundled by the kubernetes-models packages (offline: no API server runs here).
// ES modules only, so the Jest tests run it as a child process: a JSON array of objects on stdin, a JSON array
// of `{ kind, name, error }` on stdout (`error` null when the object is valid).
const PACKAGES = {
  'keda.sh': '@kubernetes-models/keda',
  'cert-manager.io': '@kubernetes-models/cert-manager',
  'acme.cert-manager.io': '@kubernetes-models/cert-manager',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
};

async function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const pkg = PACKAGES[group] ?? 'kubernetes-models';
  const path = group ? `${pkg}/${group}/${version}/${kind}` : `${pkg}/${version}/${kind}`;
  try {
    return (await import(path))[kind];
  } catch {
    return undefined;
  }
}

let input = '';
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const object of JSON.parse(input)) {
  const name = object?.metadata?.name ?? '?';
  const Model = object?.apiVersion && object?.kind ? await modelFor(object.apiVersion, object.kind) : undefined;
  if (!Model) {
    results.push({ kind: object?.kind, name, error: `no schema for ${object?.apiVersion} ${object?.kind}` });
    continue;
  }
  try {
    new Model(object).validate();
    results.push({ kind: object.kind, name, error: null });
  } catch (err) {
    results.push({ kind: object.kind, name, error: err.message });
  }
}
process.stdout.write(JSON.stringify(results));
