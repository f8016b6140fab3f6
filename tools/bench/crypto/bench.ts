/**
 * Crypto throughput on one core: ECDSA P-256 signatures/s and verifications/s over a cosign-sized payload,
 * and the time to decrypt a cosign key file (scrypt N=65536 dominates). Prints one JSON line per metric,
 * then a human-readable summary. Run: npx tsx tools/bench/crypto/bench.ts
 */
import { performance } from 'node:perf_hooks';
import { median } from '../lib/stats';
import {
  buildPayload,
  decryptPrivateKey,
  generateCosignKeyPair,
  parsePublicKeyPem,
  signingKeyFromPrivateKey,
  verifyBase64Signature,
} from '@signet/crypto';

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 2000);
const DECRYPT_RUNS = Number(process.env.BENCH_DECRYPT_RUNS ?? 5);

async function rate(fn: () => unknown | Promise<unknown>): Promise<{ opsPerSec: number; ops: number }> {
  for (let i = 0; i < 50; i++) await fn(); // warm-up
  let ops = 0;
  const start = performance.now();
  while (performance.now() - start < DURATION_MS) {
    await fn();
    ops++;
  }
  return { opsPerSec: (ops * 1000) / (performance.now() - start), ops };
}

function emit(metric: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ bench: 'crypto', metric, value: Number(value.toFixed(2)), unit, ...extra })}\n`);
}

async function main(): Promise<void> {
  const password = 'bench-password';
  const files = await generateCosignKeyPair(password);

  const decryptMs: number[] = [];
  let privateKey = await decryptPrivateKey(files.privateKeyPem, password);
  for (let i = 0; i < DECRYPT_RUNS; i++) {
    const t = performance.now();
    privateKey = await decryptPrivateKey(files.privateKeyPem, password);
    decryptMs.push(performance.now() - t);
  }
  emit('key_decrypt_ms', median(decryptMs), 'ms', { scryptN: 65536, runs: DECRYPT_RUNS, min: Number(Math.min(...decryptMs).toFixed(2)) });

  const key = signingKeyFromPrivateKey(privateKey);
  const publicKey = parsePublicKeyPem(files.publicKeyPem);
  const payload = buildPayload({
    dockerReference: 'registry.example.com/team/app',
    manifestDigest: `sha256:${'ab'.repeat(32)}`,
  });
  const signature = await key.sign(payload);

  const signing = await rate(() => key.sign(payload));
  emit('signatures_per_sec', signing.opsPerSec, 'ops/s', { ops: signing.ops, payloadBytes: payload.length });
  const verifying = await rate(() => {
    if (!verifyBase64Signature(publicKey, payload, signature)) throw new Error('benchmark signature did not verify');
  });
  emit('verifications_per_sec', verifying.opsPerSec, 'ops/s', { ops: verifying.ops, payloadBytes: payload.length });

  process.stdout.write(
    `crypto (one core, ECDSA P-256, ${payload.length}-byte payload): ${signing.opsPerSec.toFixed(0)} signatures/s, ` +
      `${verifying.opsPerSec.toFixed(0)} verifications/s; key decrypt (scrypt N=65536) median ${median(decryptMs).toFixed(0)} ms\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
