import type { AdmissionEnv } from './env';

/** Pushes a new image to `repository:tag` as ci-bot and signs it with the trusted key; returns its digest. */
export async function pushSigned(env: AdmissionEnv, repository: string, tag: string): Promise<string> {
  const digest = await env.push(`${repository}:${tag}`);
  await env.sign(repository, tag, digest);
  return digest;
}
