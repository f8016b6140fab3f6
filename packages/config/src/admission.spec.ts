import { parseConfig } from './load';
import { ConfigError } from './types';

const base = { registries: [{ name: 'r', url: 'http://127.0.0.1:5000' }], verifier: { keys: ['k.pub'] } };
const tls = { certFile: 'tls.crt', keyFile: 'tls.key' };
const issues = (doc: unknown, app?: 'admission') => {
  try {
    parseConfig(doc, app ? { app } : {});
    return [];
  } catch (e) {
    return (e as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
  }
};

describe('admission.*', () => {
  it('defaults: port 9443, ops port 9103, enforce, Signet and kube-system excluded, unwatched registries denied, 3 s live budget', () => {
    expect(parseConfig({ ...base, admission: { tls } }).admission).toEqual({
      port: 9443,
      host: '0.0.0.0',
      tls: { ...tls, reloadInterval: 10_000 },
      opsPort: 9103,
      defaultMode: 'enforce',
      namespaces: {},
      excludedNamespaces: ['signet', 'kube-system'],
      unwatchedRegistries: 'deny',
      podsOnly: false,
      liveBudget: 3000,
      cacheTtl: 600_000,
    });
  });

  it('the admission app needs its section, its certificate and the verifier keys; PORT sets its HTTPS port', () => {
    expect(issues({ ...base }, 'admission')).toEqual(['admission: the admission section is required (at least admission.tls)']);
    expect(issues({ ...base, admission: {} }, 'admission')[0]).toMatch(/^admission\.tls: /);
    expect(issues({ registries: base.registries, admission: { tls } }, 'admission')).toEqual([
      'verifier: the verifier section is required (at least verifier.keys)',
    ]);
    expect(parseConfig({ ...base, admission: { tls } }, { app: 'admission', env: { PORT: '8443' } }).admission?.port).toBe(8443);
  });

  it('refuses an unknown mode or policy and a bare number of milliseconds', () => {
    expect(issues({ ...base, admission: { tls, namespaces: { dev: 'lax' } } })[0]).toMatch(/^admission\.namespaces\.dev: /);
    expect(issues({ ...base, admission: { tls, unwatchedRegistries: 'ignore' } })[0]).toMatch(/^admission\.unwatchedRegistries: /);
    expect(issues({ ...base, admission: { tls, liveBudget: 300 } })[0]).toMatch(/^admission\.liveBudget: /);
  });
});
