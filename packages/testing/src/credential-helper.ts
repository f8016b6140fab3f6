import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes `dir/docker-credential-<name>`, a credential helper speaking docker-credential-helpers' protocol:
 * `get` reads the server address on stdin and prints {ServerURL, Username, Secret} for `server`, or says
 * "credentials not found" and exits 1. Each address it is asked for is appended to `dir/<name>.calls`.
 * Put `dir` on PATH to use it.
 */
export function writeCredentialHelper(dir: string, name: string, login: { server: string; username: string; password: string }): void {
  const file = join(dir, `docker-credential-${name}`);
  writeFileSync(
    file,
    `#!/bin/sh
read server
echo "$1 $server" >> "${join(dir, `${name}.calls`)}"
if [ "$1" = get ] && [ "$server" = "${login.server}" ]; then
  printf '{"ServerURL":"%s","Username":"${login.username}","Secret":"${login.password}"}' "$server"
  exit 0
fi
echo "credentials not found in native keychain"
exit 1
`,
  );
  chmodSync(file, 0o755);
}
