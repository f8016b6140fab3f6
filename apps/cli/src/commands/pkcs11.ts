import type { Command } from 'commander';
import { isKeyError, listPkcs11Keys, listPkcs11Tokens } from '@signet/keys';
import { CliError, EXIT_USAGE } from './cli-error';
import { processPasswordContext, readTokenPin } from './password';

const MODULE_HELP = 'absolute path of the PKCS#11 module (default: COSIGN_PKCS11_MODULE_PATH)';

function modulePath(flag: string | undefined): string {
  const path = flag ?? process.env.COSIGN_PKCS11_MODULE_PATH;
  if (!path) throw new CliError('--module-path (or COSIGN_PKCS11_MODULE_PATH) is required', EXIT_USAGE);
  return path;
}

function slotId(value: string): number {
  if (!/^[0-9]+$/.test(value)) throw new CliError(`--slot-id must be a number, got "${value}"`, EXIT_USAGE);
  return Number(value);
}

/** `signet pkcs11 list-tokens` and `list-keys`, as cosign's `pkcs11-tool list-tokens` and `list-keys-uris`. */
export function registerPkcs11Commands(program: Command): void {
  const pkcs11 = program
    .command('pkcs11')
    .description(
      'Find keys on PKCS#11 tokens (HSMs, smart cards, SoftHSM) and the pkcs11: URIs that address them for --key and signer.key.uri',
    );

  pkcs11
    .command('list-tokens')
    .description("List the tokens present in the module's slots")
    .option('--module-path <path>', MODULE_HELP)
    .action(async (opts: { modulePath?: string }) => {
      const path = modulePath(opts.modulePath);
      const tokens = await listPkcs11Tokens(path);
      const lines = [`Listing tokens of PKCS11 module '${path}'`];
      for (const t of tokens) {
        lines.push(
          `Token in slot ${t.slotId}`,
          `\tLabel: ${t.label}`,
          `\tManufacturer: ${t.manufacturer}`,
          `\tModel: ${t.model}`,
          `\tS/N: ${t.serial}`,
        );
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  pkcs11
    .command('list-keys')
    .description(
      'List the private keys on one token with the pkcs11: URI of each (without the PIN: add &pin-value=… or set COSIGN_PKCS11_PIN)',
    )
    .option('--module-path <path>', MODULE_HELP)
    .option('--token <label>', 'token label')
    .option('--slot-id <id>', 'slot id (wins over --token, as in cosign)', slotId)
    .option(
      '--pin <pin>',
      'user PIN, needed where private keys show only after a login (default: COSIGN_PKCS11_PIN, else asked for on a terminal)',
    )
    .action(async (opts: { modulePath?: string; token?: string; slotId?: number; pin?: string }) => {
      const path = modulePath(opts.modulePath);
      if (opts.token === undefined && opts.slotId === undefined) throw new CliError('give --token or --slot-id', EXIT_USAGE);
      const selector = opts.slotId !== undefined ? { slotId: opts.slotId } : { token: opts.token as string };
      const where = opts.slotId !== undefined ? `slot '${opts.slotId}'` : `token '${opts.token}'`;
      const pin = opts.pin ?? process.env.COSIGN_PKCS11_PIN ?? ((token: string) => readTokenPin(processPasswordContext(), token));
      const keys = await listPkcs11Keys(path, selector, pin).catch((err: unknown) => {
        if (isKeyError(err, 'WRONG_PIN')) throw new CliError(`the ${where} refused the PIN`, 1, { cause: err });
        throw err;
      });
      const lines = [`Listing URIs of keys in ${where} of PKCS11 module '${path}'`];
      keys.forEach((k, i) => lines.push(`Object ${i}`, `\tLabel: ${k.label}`, `\tID: ${k.id}`, `\tType: ${k.keyType}`, `\tURI: ${k.uri}`));
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
