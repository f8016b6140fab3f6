import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:https';
import type { AdmissionConfig } from '@signet/config';
import type { Logger } from '@signet/observability';
import type { AdmissionMetrics } from './metrics';

export interface CertificatePair {
  cert: Buffer;
  key: Buffer;
  hash: string;
}

/** The serving certificate and key as the files hold them now. */
export function readCertificatePair(tls: AdmissionConfig['tls']): CertificatePair {
  const cert = readFileSync(tls.certFile);
  const key = readFileSync(tls.keyFile);
  return { cert, key, hash: createHash('sha256').update(cert).update(key).digest('hex') };
}

/**
 * Reads the certificate files again and, when they changed, serves the new pair; true when it did. A pair caught
 * half-rotated fails and is tried again on the next call; the old one keeps serving.
 */
export function certificateReloader(
  server: Server,
  first: CertificatePair,
  tls: AdmissionConfig['tls'],
  deps: { metrics: AdmissionMetrics; logger: Logger },
): () => boolean {
  let current = first.hash;
  return () => {
    try {
      const pair = readCertificatePair(tls);
      if (pair.hash === current) return false;
      server.setSecureContext({ cert: pair.cert, key: pair.key });
      current = pair.hash;
      deps.metrics.certReloads.labels('ok').inc();
      deps.logger.info({ certFile: tls.certFile }, 'serving certificate reloaded');
      return true;
    } catch (err) {
      deps.metrics.certReloads.labels('error').inc();
      deps.logger.warn({ err, certFile: tls.certFile }, 'serving certificate could not be reloaded; the previous one stays in use');
      return false;
    }
  };
}
