import type { AppName } from './types';

/** `REDIS_URL`, `LOG_LEVEL`, the starting app's `PORT` and the receiver's `OPS_PORT` override the file. */
export function applyEnvOverrides(doc: unknown, env: NodeJS.ProcessEnv, app?: AppName): unknown {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return doc;
  const out = structuredClone(doc) as Record<string, Record<string, unknown> | undefined>;
  if (env.REDIS_URL) out.redis = { ...(out.redis ?? {}), url: env.REDIS_URL };
  if (env.LOG_LEVEL) out.log = { ...(out.log ?? {}), level: env.LOG_LEVEL };
  if (env.PORT && app && app !== 'cli') {
    const port = Number(env.PORT);
    out[app] = { ...(out[app] ?? {}), port: Number.isInteger(port) ? port : env.PORT };
  }
  if (env.OPS_PORT && app === 'receiver') {
    const port = Number(env.OPS_PORT);
    const receiver = out.receiver ?? {};
    out.receiver = {
      ...receiver,
      ops: { ...((receiver.ops as object | undefined) ?? {}), port: Number.isInteger(port) ? port : env.OPS_PORT },
    };
  }
  return out;
}
