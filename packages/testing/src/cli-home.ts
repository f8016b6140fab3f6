import { join } from 'node:path';
import { runSignet, type CliResult } from './cli';
import { CI_BOT } from './stack';

/**
 * The `signet` CLI run by a user whose HOME and working directory is `dir`, configured by `dir/signet.yaml` (the
 * file `writeConfigFile(doc, dir)` writes), with ci-bot's password in REGISTRY_PASSWORD, where `registryEntry`
 * points the registry's password; `env` adds variables.
 */
export function signetIn(dir: string, env: Record<string, string> = {}): (args: string[]) => Promise<CliResult> {
  return (args) =>
    runSignet(args, { cwd: dir, env: { HOME: dir, SIGNET_CONFIG: join(dir, 'signet.yaml'), REGISTRY_PASSWORD: CI_BOT.password, ...env } });
}
