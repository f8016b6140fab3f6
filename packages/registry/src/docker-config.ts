import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

export interface Credentials {
  username: string;
  password: string;
}

const DockerConfig = z.object({
  auths: z
    .record(z.string(), z.object({ auth: z.string().optional(), username: z.string().optional(), password: z.string().optional() }))
    .optional(),
});

export function defaultDockerConfigPath(): string {
  return join(homedir(), '.docker', 'config.json');
}

/**
 * Reads `auths[host]` from a Docker `config.json` (`auth` = base64 `user:password`). Credential helpers are
 * not run: a missing or unreadable file, or no entry, means no credentials.
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
  const auths = parsed.auths ?? {};
  const keys = [host, `https://${host}`, `http://${host}`, `https://${host}/v1/`, `https://${host}/v2/`];
  if (host === 'index.docker.io') keys.push('https://index.docker.io/v1/', 'docker.io');
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
