import { RegistryError } from './errors';

/**
 * Origins a well-known registry uses besides its own, allowed without config: its token service (receives
 * the credentials) and the CDN its blob downloads are redirected to (receives no credentials).
 */
const WELL_KNOWN: readonly { hosts: readonly string[]; authRealms: readonly string[]; redirectOrigins: readonly string[] }[] = [
  {
    hosts: ['registry-1.docker.io', 'index.docker.io', 'docker.io'],
    authRealms: ['https://auth.docker.io'],
    redirectOrigins: ['https://production.cloudflare.docker.com'],
  },
  { hosts: ['ghcr.io'], authRealms: [], redirectOrigins: ['https://pkg-containers.githubusercontent.com'] },
];

export interface OriginPolicyOptions {
  /** Registry name, for messages. */
  name: string;
  /** The registry's own origin (`https://host[:port]`): always allowed, and the only one sent a registry request. */
  origin: string;
  /** Token realm origins that may receive the registry's credentials (https only). */
  authRealms?: readonly string[];
  /** Origins blob downloads may be redirected to (https only); never sent credentials. */
  redirectOrigins?: readonly string[];
}

/** One configured origin: `https://host[:port]`, or `https://*.domain[:port]` for any host below `domain`. */
class OriginPattern {
  private readonly suffix: string | undefined;
  private readonly hostname: string;
  private readonly port: string;

  constructor(
    readonly text: string,
    key: string,
  ) {
    let url: URL;
    try {
      url = new URL(text);
    } catch (cause) {
      throw new RegistryError('CONFIG_INVALID', `${key}: "${text}" is not a URL`, { cause });
    }
    if (
      url.protocol !== 'https:' ||
      url.username ||
      url.password ||
      url.search ||
      url.hash ||
      (url.pathname !== '/' && url.pathname !== '')
    ) {
      throw new RegistryError(
        'CONFIG_INVALID',
        `${key}: "${text}" must be an https origin such as https://auth.example.com (plain http is never allowed off the registry's own origin)`,
      );
    }
    this.port = url.port;
    this.hostname = url.hostname.toLowerCase();
    this.suffix = this.hostname.startsWith('*.') ? this.hostname.slice(1) : undefined;
  }

  matches(url: URL): boolean {
    if (url.protocol !== 'https:' || url.port !== this.port) return false;
    const host = url.hostname.toLowerCase();
    return this.suffix ? host.endsWith(this.suffix) && host.length > this.suffix.length : host === this.hostname;
  }
}

/**
 * Which origins besides the registry's own may take part in talking to it. A bearer challenge names its token
 * realm and a blob response names its redirect target, both chosen by whoever answers as the registry (a
 * compromised registry, or anyone on the path of a plain-http one); they are data to judge, not destinations
 * to trust. Credentials go only to the registry's origin and to realms the config allows; downloads follow
 * redirects only to the registry's origin and to storage the config allows.
 */
export class OriginPolicy {
  private readonly realms: OriginPattern[];
  private readonly redirects: OriginPattern[];

  constructor(private readonly opts: OriginPolicyOptions) {
    const host = new URL(opts.origin).host.toLowerCase();
    const known = WELL_KNOWN.find((k) => k.hosts.includes(host));
    const patterns = (key: string, own: readonly string[] = [], defaults: readonly string[] = []) =>
      [...defaults, ...own].map((o) => new OriginPattern(o, `registry ${opts.name}: ${key}`));
    this.realms = patterns('authRealms', opts.authRealms, known?.authRealms);
    this.redirects = patterns('redirectOrigins', opts.redirectOrigins, known?.redirectOrigins);
  }

  isRegistry(url: URL): boolean {
    return url.origin === this.opts.origin;
  }

  /**
   * Throws REALM_NOT_ALLOWED unless a token may be requested from `realm`. With credentials the realm must be
   * the registry's origin or an allowed one; an anonymous request carries nothing to leak, so any https realm
   * will do (public images on registries whose token service lives elsewhere keep working without config).
   */
  assertRealm(realm: URL, withCredentials: boolean): void {
    if (this.isRegistry(realm)) return;
    if (realm.protocol !== 'https:') {
      throw new RegistryError(
        'REALM_NOT_ALLOWED',
        `registry ${this.opts.name}: refusing token realm ${realm.origin}: plain http off the registry's own origin is never allowed`,
      );
    }
    if (!withCredentials || this.realms.some((p) => p.matches(realm))) return;
    throw new RegistryError(
      'REALM_NOT_ALLOWED',
      `registry ${this.opts.name}: refusing to send credentials to token realm ${realm.host}, which is not the registry's origin; if it is the registry's token service, add ${realm.origin} to registries[].authRealms (signet CLI: --registry-auth-realm)`,
    );
  }

  /** Throws REDIRECT_NOT_ALLOWED unless a download may follow a redirect to `url`. */
  assertRedirect(url: URL, what: string): void {
    if (this.isRegistry(url) || this.redirects.some((p) => p.matches(url))) return;
    const why =
      url.protocol === 'https:'
        ? `if it is the registry's storage, add ${url.origin} to registries[].redirectOrigins (signet CLI: --registry-redirect-origin)`
        : "plain http off the registry's own origin is never followed";
    throw new RegistryError('REDIRECT_NOT_ALLOWED', `${what}: refusing redirect to ${url.host}; ${why}`);
  }
}
