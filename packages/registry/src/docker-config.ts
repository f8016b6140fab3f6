import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { RegistryError } from './errors';

export interface Credentials {
  username: string;
  password: string;
}

const DockerConfig = z.object({
  auths: z
    .record(z.string(), z.object({ auth: z.string().optional(), username: z.string().optional(), password: z.string().optional() }))
    .optional(),
  credsStore: z.string().optional(),
  credHelpers: z.record(z.string(), z.string()).optional(),
});

/** What a credential helper prints for `get` (docker-credential-helpers' protocol). */
const HelperReply = z.object({ Username: z.string(), Secret: z.string() });

/** Helper names are run as `docker-credential-<name>`: no path separators or option-like names. */
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const HELPER_TIMEOUT_MS = 30_000;

export function defaultDockerConfigPath(): string {
  return join(homedir(), '.docker', 'config.json');
}

/** The names a registry host may be filed under in `auths` and `credHelpers`, as Docker writes them. */
function entryKeys(host: string): string[] {
  const keys = [host, `https://${host}`, `http://${host}`, `https://${host}/v1/`, `https://${host}/v2/`];
  if (host === 'index.docker.io' || host === 'registry-1.docker.io' || host === 'docker.io') {
    keys.unshift('https://index.docker.io/v1/', 'index.docker.io', 'docker.io');
  }
  return keys;
}

/**
 * Runs `docker-credential-<helper> get` with the server address on stdin. "credentials not found" means
 * none; any other failure is an error naming the helper (never its output, which may hold a secret).
 */
function fromHelper(helper: string, server: string): Credentials | undefined {
  if (!HELPER_NAME.test(helper)) throw new RegistryError('CONFIG_INVALID', `Docker config: invalid credential helper name "${helper}"`);
  const program = `docker-credential-${helper}`;
  let out: string;
  try {
    // process.env as it is now (a test runner may have swapped the object), not the environment node started with.
    out = execFileSync(program, ['get'], {
      input: server,
      env: process.env,
      timeout: HELPER_TIMEOUT_MS,
      stdio: ['pipe', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    const said = `${e.stdout ?? ''}${e.stderr ?? ''}`;
    if (/credentials not found/i.test(said)) return undefined;
    const why =
      e.code === 'ENOENT' ? 'not found on PATH' : e.code === 'ETIMEDOUT' ? `no answer in ${HELPER_TIMEOUT_MS / 1000} s` : 'failed';
    throw new RegistryError('CREDENTIAL_HELPER_FAILED', `${program} get for ${server}: ${why}`, { cause: e.code ? e : undefined });
  }
  let reply: z.infer<typeof HelperReply>;
  try {
    reply = HelperReply.parse(JSON.parse(out));
  } catch {
    throw new RegistryError('CREDENTIAL_HELPER_FAILED', `${program} get for ${server}: the answer is not {Username, Secret} JSON`);
  }
  // "<token>" marks an identity (OAuth2 refresh) token, which needs a token exchange this client does not do.
  if (reply.Username === '<token>') {
    throw new RegistryError(
      'CREDENTIAL_HELPER_FAILED',
      `${program} gave an identity token for ${server}; use a username and password instead`,
    );
  }
  return { username: reply.Username, password: reply.Secret };
}

/**
 * Credentials for `host` from a Docker `config.json`, as the Docker CLI finds them: the registry's entry in
 * `credHelpers`, else `credsStore`, runs that credential helper; otherwise `auths[host]` (`auth` = base64
 * `user:password`). A missing or unreadable file, or no entry, means no credentials.
 */
export function dockerConfigCredentials(host: string, path = defaultDockerConfigPath()): Credentials | undefined {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  let parsed: z.infer<typeof DockerConfig>;
  try {
    parsed = DockerConfig.parse(JSON.parse(raw));
  } catch {
    return undefined;
  }
  const keys = entryKeys(host);
  const helpers = parsed.credHelpers ?? {};
  const helperKey = keys.find((k) => helpers[k] !== undefined);
  if (helperKey !== undefined) return fromHelper(helpers[helperKey]!, helperKey);
  const auths = parsed.auths ?? {};
  if (parsed.credsStore) {
    // The store files each server under the address it was logged in with (the key Docker left in `auths`).
    return fromHelper(parsed.credsStore, keys.find((k) => auths[k] !== undefined) ?? keys[0]!);
  }
  for (const key of keys) {
    const entry = auths[key];
    if (!entry) continue;
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i > 0) return { username: decoded.slice(0, i), password: decoded.slice(i + 1) };
    }
    if (entry.username && entry.password !== undefined) return { username: entry.username, password: entry.password };
  }
  return undefined;
}
