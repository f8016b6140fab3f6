import { isCryptoError, type SigningKey } from '@signet/crypto';
import { isKeyError, keyProviderFromRef } from '@signet/keys';
import { CliError } from './cli-error';
import { processPasswordContext, readPassword, readPin } from './password';

/** Turns expected crypto failures into one-line user messages; anything else propagates. */
export function describeKeyError(err: unknown, keyRef: string): never {
  if (isCryptoError(err)) {
    if (err.code === 'WRONG_PASSWORD') throw new CliError(`wrong password for private key ${keyRef}`, 1, { cause: err });
    throw new CliError(`${keyRef}: ${err.message}`, 1, { cause: err });
  }
  if (err instanceof Error && 'code' in err && err.code === 'ENOENT') {
    throw new CliError(`cannot read ${keyRef}: no such file`, 1, { cause: err });
  }
  throw err;
}

/**
 * The private key `--key` names, asking on the terminal for what it needs: a key file's password, or a
 * token's PIN where the pkcs11: URI and COSIGN_PKCS11_PIN give none (asked once; a wrong one is not retried).
 */
export async function loadSigningKey(keyRef: string): Promise<SigningKey> {
  const ctx = processPasswordContext();
  const provider = keyProviderFromRef(keyRef, {
    env: ctx.env,
    password: () => readPassword(ctx, { confirm: false, purpose: `decrypt ${keyRef}` }),
    pinPrompt: (key) => readPin(ctx, key),
  });
  return provider.load().catch((err: unknown) => {
    // The description, not the reference: a pkcs11: URI may carry its pin-value.
    if (isKeyError(err, 'WRONG_PIN')) throw new CliError(`${provider.description}: the token refused the PIN`, 1, { cause: err });
    return describeKeyError(err, provider.description);
  });
}
