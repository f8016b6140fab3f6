import type { Dispatcher } from 'undici';
import { parseChallenge } from './challenge';
import type { Credentials } from './docker-config';
import { errorFromResponse, RegistryError } from './errors';
import { readLimited } from './body';
import type { OriginPolicy } from './origins';

interface CachedToken {
  token: string;
  expiresAt: number;
}

/**
 * Credentials as they are at each use. A password read from a file follows the file, so a rotated one (ECR's
 * 12-hour token) is sent on the next request without a restart.
 */
export interface CredentialSource {
  current(): Credentials;
  /** Reads the credentials again now, whatever the file's metadata says; true when they changed. */
  reload(): boolean;
}

export interface AuthenticatorOptions {
  credentials?: CredentialSource;
  /** Decides which token realms may be asked (and sent the credentials). */
  origins: OriginPolicy;
  /** Sends a GET to the realm over the connection its origin calls for, with the registry's timeout. */
  request: (url: URL, headers: Record<string, string>) => Promise<Dispatcher.ResponseData>;
}

/** Tokens are refreshed this long before they expire so a request never carries a stale one. */
const EXPIRY_MARGIN_MS = 10_000;
const DEFAULT_TOKEN_LIFETIME_S = 60;

/**
 * The registry auth challenge flow: anonymous first, then whatever the registry asks for (basic, or a
 * bearer token from the realm per the Docker token spec). Tokens are cached per scope until they expire.
 */
export class Authenticator {
  private scheme: 'none' | 'basic' | 'bearer' = 'none';
  private bearer: { realm: string; service?: string } | undefined;
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<CachedToken>>();

  constructor(private readonly opts: AuthenticatorOptions) {}

  /** The Authorization header to send for `scope`, if one is known already. */
  header(scope: string): string | undefined {
    if (this.scheme === 'basic') return this.basicHeader();
    if (this.scheme === 'bearer') {
      const cached = this.tokens.get(scope);
      if (cached && cached.expiresAt > Date.now()) return `Bearer ${cached.token}`;
    }
    return undefined;
  }

  /**
   * Handles a 401. Returns true when there is a (new) header worth retrying with; throws
   * REGISTRY_UNAUTHORIZED when the credentials we sent were refused or none are configured.
   */
  async challenge(wwwAuthenticate: string | undefined, scope: string, sentHeader: string | undefined): Promise<boolean> {
    const ch = parseChallenge(wwwAuthenticate);
    if (ch?.scheme === 'basic') {
      if (!this.opts.credentials) throw unauthorized('the registry requires credentials and none are configured');
      // Refused: the password may have been rotated since it was sent, or the file rewritten so that `stat` did
      // not notice. Retry when what we would send now differs; refuse only credentials read fresh.
      if (sentHeader?.startsWith('Basic ') && this.basicHeader() === sentHeader && !this.opts.credentials.reload()) {
        throw unauthorized('the registry refused the username or password');
      }
      this.scheme = 'basic';
      return true;
    }
    if (ch?.scheme === 'bearer' && ch.params.realm) {
      if (sentHeader?.startsWith('Bearer ') && this.scheme === 'bearer') {
        // A token we just obtained for this scope was refused: do not loop fetching new ones.
        const cached = this.tokens.get(scope);
        if (cached && `Bearer ${cached.token}` === sentHeader) {
          this.tokens.delete(scope);
          throw unauthorized(`the registry refused the token for ${scope}`);
        }
      }
      this.scheme = 'bearer';
      this.bearer = { realm: ch.params.realm, ...(ch.params.service ? { service: ch.params.service } : {}) };
      const scopes = [scope];
      if (ch.params.scope && ch.params.scope !== scope) scopes.push(ch.params.scope);
      await this.token(scope, scopes);
      return true;
    }
    throw unauthorized(`unsupported authentication challenge: ${wwwAuthenticate ?? '(none)'}`);
  }

  private basicHeader(): string | undefined {
    const c = this.opts.credentials?.current();
    return c ? 'Basic ' + Buffer.from(`${c.username}:${c.password}`).toString('base64') : undefined;
  }

  private token(key: string, scopes: string[]): Promise<CachedToken> {
    const inflight = this.pending.get(key);
    if (inflight) return inflight;
    const p = this.fetchToken(scopes)
      .then((t) => {
        this.tokens.set(key, t);
        return t;
      })
      .finally(() => this.pending.delete(key));
    this.pending.set(key, p);
    return p;
  }

  /** `mayReload`: on a refusal, read the credentials again and, when they changed, ask once more. */
  private async fetchToken(scopes: string[], mayReload = true): Promise<CachedToken> {
    const bearer = this.bearer;
    if (!bearer) throw unauthorized('no bearer realm known');
    let url: URL;
    try {
      url = new URL(bearer.realm);
    } catch (cause) {
      throw new RegistryError('REGISTRY_UNAUTHORIZED', `invalid token realm "${bearer.realm}"`, { cause });
    }
    // The registry names the realm, but it may not choose where the credentials go.
    const basic = this.basicHeader();
    this.opts.origins.assertRealm(url, basic !== undefined);
    const foreign = this.opts.origins.isRegistry(url) ? undefined : url.origin;
    if (bearer.service) url.searchParams.set('service', bearer.service);
    for (const s of scopes) url.searchParams.append('scope', s);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (basic) headers.authorization = basic;
    let res: Dispatcher.ResponseData;
    try {
      res = await this.opts.request(url, headers);
    } catch (cause) {
      throw new RegistryError('REGISTRY_UNAVAILABLE', `token request to ${url.origin} failed`, { retryable: true, cause });
    }
    const body = await readLimited(res.body, res.headers, 1024 * 1024, 'token response');
    if (res.statusCode === 401 || res.statusCode === 403) {
      if (basic && mayReload && this.opts.credentials?.reload()) return this.fetchToken(scopes, false);
      throw unauthorized(`the token service refused the credentials (HTTP ${res.statusCode})`);
    }
    if (res.statusCode !== 200) throw errorFromResponse(res.statusCode, body, 'token request', res.headers, foreign);
    let json: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch (cause) {
      throw new RegistryError('REGISTRY_UNAUTHORIZED', 'token response is not JSON', { cause });
    }
    const token = typeof json.token === 'string' ? json.token : typeof json.access_token === 'string' ? json.access_token : undefined;
    if (!token) throw unauthorized('token response has no token');
    const lifetime = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : DEFAULT_TOKEN_LIFETIME_S;
    return { token, expiresAt: Date.now() + Math.max(lifetime * 1000 - EXPIRY_MARGIN_MS, 1000) };
  }
}

function unauthorized(message: string): RegistryError {
  return new RegistryError('REGISTRY_UNAUTHORIZED', message, { status: 401 });
}
