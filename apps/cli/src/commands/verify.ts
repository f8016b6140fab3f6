import type { Command } from 'commander';
import { loadPublicKeys, verifyDsseStatement, verifySignatureLayer, isCryptoError, type PublicKeySet } from '@signet/crypto';
import { formatImageReference } from '@signet/oci';
import { type BundleSignature, SignatureStore, type StoredSignature } from '@signet/signatures';
import { CliError } from './cli-error';
import { addVerifyingScriptFlags } from './cosign-flags';
import { addOutputOption, type OutputFormat } from './output';
import { collectAnnotation, describeRegistryError, imageArgument, imageCommand, type RegistryFlags } from './registry-options';
import { withRegistryClient } from './registry-session';

interface VerifyFlags extends RegistryFlags {
  key: string[];
  checkClaims: boolean;
  annotations?: Record<string, string>;
  output: OutputFormat;
}

type Outcome = { ok: true; claims: unknown; signer: string } | { ok: false; reason: string };

function annotationsMatch(claims: Record<string, unknown> | null | undefined, wanted: Record<string, string> | undefined): boolean {
  return Object.entries(wanted ?? {}).every(([k, v]) => claims?.[k] === v);
}

function checkBundle(sig: BundleSignature, digest: string, keys: PublicKeySet, flags: VerifyFlags): Outcome {
  const r = verifyDsseStatement(sig.envelope, keys, digest);
  if (r.ok) {
    if (flags.checkClaims && !annotationsMatch(r.subject.annotations, flags.annotations))
      return { ok: false, reason: 'bundle: annotations do not match' };
    return { ok: true, claims: r.statement, signer: r.signer.source };
  }
  // cosign --check-claims=false: only the signature over the envelope counts, but an attestation (SLSA,
  // SBOM) by the same key is never an image signature.
  if (r.code !== 'SIGNATURE_MISMATCH' && r.code !== 'NOT_A_SIGNATURE' && !flags.checkClaims)
    return { ok: true, claims: sig.envelope.payload.toString('utf8'), signer: r.signer.source };
  return { ok: false, reason: `bundle: ${r.message}` };
}

function parseClaims(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
}

function check(sig: StoredSignature, digest: string, keys: PublicKeySet, flags: VerifyFlags): Outcome {
  if (sig.kind === 'bundle') return checkBundle(sig, digest, keys, flags);
  if (!flags.checkClaims) {
    // cosign --check-claims=false: only the signature over the payload bytes counts.
    const signer = keys.findSigner(sig.payload, Buffer.from(sig.signature, 'base64'));
    if (!signer) return { ok: false, reason: 'signature does not verify with any key' };
    const claims = parseClaims(sig.payload);
    return claims === undefined ? { ok: false, reason: 'the signed payload is not JSON' } : { ok: true, claims, signer: signer.source };
  }
  const result = verifySignatureLayer(
    { payload: sig.payload, signature: sig.signature, mediaType: sig.layer.mediaType },
    { keys, expectedDigest: digest, payloadMode: 'lenient' },
  );
  if (!result.ok) return { ok: false, reason: `${result.code}: ${result.message}` };
  if (!annotationsMatch(result.payload.optional, flags.annotations)) return { ok: false, reason: 'annotations do not match' };
  return { ok: true, claims: JSON.parse(sig.payload.toString('utf8')), signer: result.signer.source };
}

async function runVerify(image: string, flags: VerifyFlags): Promise<void> {
  const ref = imageArgument(image);
  const keys = await loadPublicKeys(flags.key).catch((err: unknown) => {
    if (isCryptoError(err) || (err instanceof Error && 'code' in err))
      throw new CliError(`cannot load public keys: ${(err as Error).message}`, 1, { cause: err });
    throw err;
  });
  await withRegistryClient(ref, flags, async (client) => {
    const digest =
      ref.digest ??
      (await client.resolve(ref.repository, ref.tag ?? 'latest').catch((e: unknown) => describeRegistryError(e, `resolve ${image}`)));
    // The reader the verifier uses: what cannot be read is reported and skipped, never a failed lookup.
    const { signatures: found, rejected } = await new SignatureStore(client)
      .read(ref.repository, digest)
      .catch((e: unknown) => describeRegistryError(e, `read signatures of ${digest}`));
    const outcomes = found.map((sig) => check(sig, digest, keys, flags));
    const verified = outcomes.filter((o): o is Extract<Outcome, { ok: true }> => o.ok);
    process.stderr.write(`\nVerification for ${formatImageReference({ ...ref, digest })} --\n`);
    process.stderr.write(`${verified.length} of ${found.length} signature(s) verified with ${flags.key.join(', ')}\n`);
    for (const o of outcomes) if (!o.ok) process.stderr.write(`  - rejected: ${o.reason}\n`);
    for (const r of rejected) process.stderr.write(`  - unreadable: ${r.code}: ${r.artifact}: ${r.message}\n`);
    if (verified.length === 0)
      throw new CliError(found.length === 0 && rejected.length === 0 ? 'no signatures found' : 'no matching signatures');
    process.stderr.write(`The following checks were performed on each of these signatures:\n`);
    if (flags.checkClaims) process.stderr.write(`  - The cosign claims were validated\n`);
    process.stderr.write(`  - The signatures were verified against the specified public key\n`);
    // As cosign: one JSON array of the verified payloads, or (text) each payload on a line of its own.
    if (flags.output === 'json') process.stdout.write(JSON.stringify(verified.map((v) => v.claims)) + '\n');
    else for (const v of verified) process.stdout.write(`${typeof v.claims === 'string' ? v.claims : JSON.stringify(v.claims)}\n`);
  });
}

export function registerVerifyCommand(program: Command): void {
  const cmd = imageCommand(
    program,
    'verify',
    'verify the signatures of an image against public keys; prints the verified payloads as JSON',
    (c) =>
      c
        .requiredOption('--key <path>', 'public key (cosign.pub); repeat for several keys', (v: string, prev: string[] = []) => [
          ...prev,
          v,
        ])
        .option('--check-claims', 'check the payload claims (digest, annotations)', true)
        .option('--no-check-claims', 'only check the signature over the payload bytes')
        .option('-a, --annotations <key=value>', 'required claim in the payload\'s "optional" (repeatable)', collectAnnotation),
  );
  addOutputOption(addVerifyingScriptFlags(cmd), 'json').action((image: string, flags: VerifyFlags) => runVerify(image, flags));
}
