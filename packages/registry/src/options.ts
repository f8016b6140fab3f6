import type { RequestBudget } from './budget';

export interface RegistryClientOptions {
  /** Name of the registry in config; used for budget keys and messages. */
  name: string;
  /** Base URL, e.g. `https://registry.example.com` (http only with `insecure`). */
  url: string;
  username?: string;
  /**
   * A string, or a source read at each use (`@signet/config`'s `Secret` from a `...File` follows the file):
   * a refused password is read again before the 401 is final.
   */
  password?: string | PasswordSource;
  /** Allow plain http. */
  insecure?: boolean;
  /** Concurrent connections (and so requests in flight) to this registry. Default 8. */
  maxConcurrency?: number;
  /** Retries after a retryable failure (429, 5xx, network). Default 4. */
  retries?: number;
  /** Whole-request timeout. Default 30 s. */
  timeoutMs?: number;
  budget?: RequestBudget;
  /** Docker config file for credentials when none are given; `false` disables the lookup. */
  dockerConfig?: string | false;
  /** First retry delay; doubles per attempt, with jitter. Default 200 ms. */
  retryBaseMs?: number;
  /**
   * Token realm origins besides the registry's own that may receive its credentials (`https://host[:port]`,
   * or `https://*.domain`). Docker Hub's `https://auth.docker.io` is allowed for Docker Hub without listing.
   */
  authRealms?: string[];
  /**
   * Origins besides the registry's own that blob downloads may be redirected to (S3, a CDN), never sent
   * credentials. Docker Hub's and GHCR's CDNs are allowed for them without listing.
   */
  redirectOrigins?: string[];
  /** PEM certificates trusted besides the system's, for the registry, its token realm and its storage (a private CA). */
  ca?: string;
}

/** A password that may change while the client runs (a rotated token file). */
export interface PasswordSource {
  reveal(): string;
  /** Reads it again now; true when it changed. */
  reload(): boolean;
}
