import { rootCertificates } from 'node:tls';
import { Agent, Pool, request as undiciRequest, type Dispatcher } from 'undici';
import { Authenticator, type CredentialSource } from './auth';
import { discard, headerValue, readLimited } from './body';
import { dockerConfigCredentials, type Credentials } from './docker-config';
import { errorFromResponse, isRegistryError, RegistryError } from './errors';
import type { RegistryClientOptions } from './options';
import { OriginPolicy } from './origins';

export type Headers = Record<string, string | string[] | undefined>;

export interface SendOptions {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  /** Path and query below the origin, e.g. `/v2/team/app/manifests/1.0`. */
  path: string;
  /** Token scope, e.g. `repository:team/app:pull`. */
  scope: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Statuses that are success for this call; anything else is an error. */
  ok: number[];
  /** Largest body read into memory. */
  maxBytes: number;
  /** Human description for error messages. */
  what: string;
  /** Follow 3xx redirects (blob downloads: registries hand out storage URLs on other hosts). */
  followRedirects?: boolean;
}

export interface SendResult {
  status: number;
  headers: Headers;
  body: Buffer;
}

const MAX_REDIRECTS = 3;
const MAX_RETRY_DELAY_MS = 10_000;

/** Connection pool, auth, budget, retries and timeouts for one registry; every request goes through `send`. */
export class Transport {
  readonly origin: string;
  readonly host: string;
  private readonly pool: Pool;
  private readonly outside: Agent;
  private readonly auth: Authenticator;
  private readonly credentialSource: CredentialSource | undefined;
  private readonly origins: OriginPolicy;
  private readonly retries: number;
  private readonly timeoutMs: number;
  private readonly retryBaseMs: number;

  constructor(readonly options: RegistryClientOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch (cause) {
      throw new RegistryError('CONFIG_INVALID', `registry ${options.name}: invalid url "${options.url}"`, { cause });
    }
    if (url.protocol === 'http:' && !options.insecure) {
      throw new RegistryError('CONFIG_INVALID', `registry ${options.name}: ${url.origin} is plain http; allow it with insecure`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new RegistryError('CONFIG_INVALID', `registry ${options.name}: unsupported url scheme`);
    this.origin = url.origin;
    this.host = url.host;
    this.retries = options.retries ?? 4;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retryBaseMs = options.retryBaseMs ?? 200;
    const connections = options.maxConcurrency ?? 8;
    const connect = options.ca ? { ca: [...rootCertificates, options.ca] } : undefined;
    this.pool = new Pool(this.origin, { connections, pipelining: 1, keepAliveTimeout: 30_000, ...(connect ? { connect } : {}) });
    this.outside = new Agent({ connections: 4, ...(connect ? { connect } : {}) });
    this.origins = new OriginPolicy({
      name: options.name,
      origin: this.origin,
      authRealms: options.authRealms,
      redirectOrigins: options.redirectOrigins,
    });
    this.credentialSource = credentialSource(options, this.host);
    this.auth = new Authenticator({
      credentials: this.credentialSource,
      origins: this.origins,
      request: (realm, headers) => this.requestUrl(realm, 'GET', headers),
    });
  }

  /** The credentials requests carry now (undefined: anonymous). */
  get credentials(): Credentials | undefined {
    return this.credentialSource?.current();
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.close(), this.outside.close()]);
  }

  async send(opts: SendOptions): Promise<SendResult> {
    let attempt = 0;
    let authRetries = 0;
    for (;;) {
      try {
        return await this.attempt(opts);
      } catch (err) {
        if (err instanceof AuthRetry) {
          if (authRetries >= MAX_AUTH_RETRIES)
            throw new RegistryError('REGISTRY_UNAUTHORIZED', `${opts.what}: still unauthorized after authenticating`, { status: 401 });
          authRetries++;
          continue;
        }
        const e = toRegistryError(err, opts.what);
        if (!e.retryable || attempt >= this.retries) throw e;
        const backoff = Math.min(MAX_RETRY_DELAY_MS, this.retryBaseMs * 2 ** attempt) * (0.5 + Math.random() / 2);
        const delay = e.retryAfterMs !== undefined ? Math.max(e.retryAfterMs, 1) : backoff;
        if (e.code === 'TOO_MANY_REQUESTS' && this.options.budget) await this.options.budget.pauseFor(delay);
        attempt++;
        await sleep(delay);
      }
    }
  }

  private async attempt(opts: SendOptions): Promise<SendResult> {
    await this.options.budget?.acquire();
    const authorization = this.auth.header(opts.scope);
    const headers: Record<string, string> = { ...opts.headers };
    if (authorization) headers.authorization = authorization;
    const res = await this.pool.request({
      method: opts.method,
      path: opts.path,
      headers,
      body: opts.body,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    await this.observeLimits(res.headers);
    if (res.statusCode === 401) {
      await discard(res.body);
      await this.auth.challenge(headerValue(res.headers, 'www-authenticate'), opts.scope, authorization);
      throw new AuthRetry();
    }
    if (opts.followRedirects && res.statusCode >= 300 && res.statusCode < 400 && res.headers.location) {
      await discard(res.body);
      return this.followRedirect(new URL(String(headerValue(res.headers, 'location')), this.origin), opts, headers, 0);
    }
    return this.finish(res, opts);
  }

  private async followRedirect(url: URL, opts: SendOptions, headers: Record<string, string>, hops: number): Promise<SendResult> {
    if (hops >= MAX_REDIRECTS) throw new RegistryError('REGISTRY_ERROR', `${opts.what}: too many redirects`);
    // Every hop is judged, a storage host's own redirects included.
    this.origins.assertRedirect(url, opts.what);
    // Credentials stay with the registry, even for allowed storage: a storage URL carries its own signature.
    const sameOrigin = this.origins.isRegistry(url);
    const res = await this.requestUrl(url, opts.method === 'HEAD' ? 'HEAD' : 'GET', sameOrigin ? headers : {});
    if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location) {
      await discard(res.body);
      return this.followRedirect(new URL(String(headerValue(res.headers, 'location')), url), opts, headers, hops + 1);
    }
    return this.finish(res, opts, sameOrigin ? undefined : url.origin);
  }

  /**
   * A request to an absolute URL (a token realm, a redirect target): over the registry's pool when the URL is on
   * its origin, over the agent for other hosts otherwise, with the same timeout either way.
   */
  private requestUrl(url: URL, method: 'GET' | 'HEAD', headers: Record<string, string>): Promise<Dispatcher.ResponseData> {
    const dispatcher = this.origins.isRegistry(url) ? this.pool : this.outside;
    return undiciRequest(url, { method, headers, dispatcher, signal: AbortSignal.timeout(this.timeoutMs) });
  }

  /** `foreignOrigin`: the response came from that origin, not the registry, so its body is never echoed. */
  private async finish(res: Dispatcher.ResponseData, opts: SendOptions, foreignOrigin?: string): Promise<SendResult> {
    if (!opts.ok.includes(res.statusCode)) {
      const readBody = opts.method !== 'HEAD' && foreignOrigin === undefined;
      const body = readBody ? await readLimited(res.body, res.headers, 64 * 1024, opts.what).catch(() => Buffer.alloc(0)) : Buffer.alloc(0);
      if (!readBody) await discard(res.body);
      throw errorFromResponse(res.statusCode, body, opts.what, res.headers, foreignOrigin);
    }
    if (opts.method === 'HEAD') {
      await discard(res.body);
      return { status: res.statusCode, headers: res.headers, body: Buffer.alloc(0) };
    }
    const body = await readLimited(res.body, res.headers, opts.maxBytes, opts.what);
    return { status: res.statusCode, headers: res.headers, body };
  }

  private async observeLimits(headers: Headers): Promise<void> {
    const budget = this.options.budget;
    if (!budget) return;
    // `RateLimit-Remaining: 0` (Docker Hub sends `0;w=21600`): stop spending until the bucket refills.
    const remaining = headerValue(headers, 'ratelimit-remaining');
    if (remaining !== undefined && Number.parseInt(remaining, 10) === 0) await budget.drain();
  }

  /** A URL on this registry from a `Location`/`Link` value; other hosts are refused. */
  sameOriginPath(location: string, what: string): string {
    const url = new URL(location, this.origin);
    if (url.origin !== this.origin) throw new RegistryError('FOREIGN_HOST', `${what}: refusing to follow ${url.origin}`);
    return url.pathname + url.search;
  }
}

function credentialSource(options: RegistryClientOptions, host: string): CredentialSource | undefined {
  if (options.username !== undefined) {
    const username = options.username;
    const password = options.password;
    if (typeof password === 'object')
      return { current: () => ({ username, password: password.reveal() }), reload: () => password.reload() };
    return { current: () => ({ username, password: password ?? '' }), reload: () => false };
  }
  const fixed = options.dockerConfig === false ? undefined : dockerConfigCredentials(host, options.dockerConfig);
  return fixed && { current: () => fixed, reload: () => false };
}

/**
 * The 401s one request may answer with new credentials: one to learn the scheme (or fetch a token), one more
 * after the password file was read again. More would be a registry refusing whatever it is sent.
 */
const MAX_AUTH_RETRIES = 2;

/** Internal signal: a 401 was answered with new credentials; repeat the request. */
class AuthRetry extends Error {}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function toRegistryError(err: unknown, what: string): RegistryError {
  if (isRegistryError(err)) return err;
  const e = err as { name?: string; code?: string; message?: string };
  if (
    e?.name === 'TimeoutError' ||
    e?.name === 'AbortError' ||
    e?.code === 'UND_ERR_HEADERS_TIMEOUT' ||
    e?.code === 'UND_ERR_BODY_TIMEOUT'
  ) {
    return new RegistryError('REGISTRY_TIMEOUT', `${what}: timed out`, { retryable: true, cause: err });
  }
  const retryable = NETWORK_CODES.has(e?.code ?? '') || NETWORK_CODES.has((e as { cause?: { code?: string } })?.cause?.code ?? '');
  return new RegistryError('REGISTRY_UNAVAILABLE', `${what}: ${e?.message ?? String(err)}`, { retryable, cause: err });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
