import { OriginPolicy } from './origins';

const realm =
  (p: OriginPolicy, url: string, withCredentials = true) =>
  () =>
    p.assertRealm(new URL(url), withCredentials);
const redirect = (p: OriginPolicy, url: string) => () => p.assertRedirect(new URL(url), 'GET blob');

describe('OriginPolicy', () => {
  it("allows Docker Hub's token service and CDN for Docker Hub only", () => {
    const hub = new OriginPolicy({ name: 'hub', origin: 'https://registry-1.docker.io' });
    expect(realm(hub, 'https://auth.docker.io/token')).not.toThrow();
    expect(redirect(hub, 'https://production.cloudflare.docker.com/registry-v2/x')).not.toThrow();
    const other = new OriginPolicy({ name: 'other', origin: 'https://registry.example.com' });
    expect(realm(other, 'https://auth.docker.io/token')).toThrow(expect.objectContaining({ code: 'REALM_NOT_ALLOWED' }));
    expect(redirect(other, 'https://production.cloudflare.docker.com/x')).toThrow(
      expect.objectContaining({ code: 'REDIRECT_NOT_ALLOWED' }),
    );
  });

  it("allows the registry's own origin, over http too when the registry is http", () => {
    const p = new OriginPolicy({ name: 'local', origin: 'http://127.0.0.1:5000' });
    expect(realm(p, 'http://127.0.0.1:5000/token')).not.toThrow();
    expect(realm(p, 'http://127.0.0.1:5001/token')).toThrow(expect.objectContaining({ code: 'REALM_NOT_ALLOWED' }));
    expect(redirect(p, 'http://127.0.0.1:5000/v2/x')).not.toThrow();
  });

  it('lets an anonymous client ask any https realm, but never a plain-http one elsewhere', () => {
    const p = new OriginPolicy({ name: 'gl', origin: 'https://registry.gitlab.example' });
    expect(realm(p, 'https://gitlab.example/jwt/auth', false)).not.toThrow();
    expect(realm(p, 'https://gitlab.example/jwt/auth', true)).toThrow(/registries\[\]\.authRealms/);
    expect(realm(p, 'http://gitlab.example/jwt/auth', false)).toThrow(expect.objectContaining({ code: 'REALM_NOT_ALLOWED' }));
  });

  it('matches a listed origin by scheme, host and port, and *.domain by any host below it', () => {
    const p = new OriginPolicy({
      name: 'ecr',
      origin: 'https://1.dkr.ecr.eu-west-1.amazonaws.com',
      authRealms: ['https://auth.example.com:8443'],
      redirectOrigins: ['https://*.s3.eu-west-1.amazonaws.com'],
    });
    expect(realm(p, 'https://auth.example.com:8443/t')).not.toThrow();
    expect(realm(p, 'https://auth.example.com/t')).toThrow();
    expect(redirect(p, 'https://prod-eu-west-1-starport-layer-bucket.s3.eu-west-1.amazonaws.com/x')).not.toThrow();
    expect(redirect(p, 'https://s3.eu-west-1.amazonaws.com/x')).toThrow();
    expect(redirect(p, 'https://evil.example/s3.eu-west-1.amazonaws.com')).toThrow();
    expect(redirect(p, 'http://b.s3.eu-west-1.amazonaws.com/x')).toThrow(/plain http/);
  });

  it('refuses entries that are not https origins', () => {
    for (const entry of ['http://auth.example.com', 'https://auth.example.com/token', 'https://u:p@auth.example.com', 'auth.example.com']) {
      expect(() => new OriginPolicy({ name: 'x', origin: 'https://r.example', authRealms: [entry] })).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID' }),
      );
    }
  });
});
