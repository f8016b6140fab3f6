import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { checkAppSections, checkReferences } from './cross-checks';
import { applyEnvOverrides } from './env-overrides';
import { resolveSecrets } from './resolve-secrets';
import { configSchema } from './schema';
import { ConfigError, type ConfigIssue, type LoadOptions, type SignetConfig } from './types';

const zodPath = (p: PropertyKey[]) => p.map(String).join('.');

function issuesOf(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((i) => ({ path: zodPath(i.path), message: i.message }));
}

/** Reads, validates and resolves the configuration once, at start. Throws ConfigError listing every problem. */
export function loadConfig(opts: LoadOptions = {}): SignetConfig {
  const env = opts.env ?? process.env;
  const path = opts.path ?? env.SIGNET_CONFIG ?? './signet.yaml';
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(path, [{ path: '', message: `cannot read file: ${(e as Error).message}` }], { cause: e });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new ConfigError(path, [{ path: '', message: `not valid YAML: ${(e as Error).message}` }], { cause: e });
  }
  return parseConfig(doc, { ...opts, env, source: path });
}

/**
 * Validates an already parsed document (used by loadConfig and by tests), in three steps: the schema judges each
 * field; cross-field checks judge what refers to what; secrets are resolved. Every problem of the last two is
 * collected, so one ConfigError lists them all.
 */
export function parseConfig(doc: unknown, opts: LoadOptions & { source?: string } = {}): SignetConfig {
  const env = opts.env ?? process.env;
  const source = opts.source ?? '(inline)';
  const parsed = configSchema.safeParse(applyEnvOverrides(doc, env, opts.app));
  if (!parsed.success) throw new ConfigError(source, issuesOf(parsed.error));
  const raw = parsed.data;
  const issues: ConfigIssue[] = [];
  checkReferences(raw, issues);
  const resolved = resolveSecrets(raw, { env, app: opts.app, issues });
  checkAppSections(raw, opts.app, resolved.signer?.key !== undefined, issues);
  if (issues.length) throw new ConfigError(source, issues);
  return {
    redis: raw.redis,
    ...resolved,
    verifier: raw.verifier,
    ...(raw.admission ? { admission: raw.admission } : {}),
    log: raw.log,
    source,
  };
}
