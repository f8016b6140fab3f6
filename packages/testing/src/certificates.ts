import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, requireBinary } from './process';

/** Files of a certificate and its private key. */
export interface CertificateFiles {
  cert: string;
  key: string;
}

/**
 * A self-signed P-256 certificate valid for a day, made with openssl: `<name>.pem` and `<name>.key` in `dir`.
 * Serves as a CA (it signs what `openssl x509 -req -CA` issues) or, with `altName`, as a server's identity.
 */
export function selfSignedCertificate(dir: string, name: string, options: { subject: string; altName?: string }): CertificateFiles {
  requireBinary('openssl', 'openssl');
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  const altName = options.altName ? ['-addext', `subjectAltName=${options.altName}`] : [];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      options.subject,
      ...altName,
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'pipe' },
  );
  return { cert, key };
}

/** A self-signed P-256 certificate for 127.0.0.1: the TLS identity of a foreign origin and the token signing key. */
export interface TestCertificate {
  certFile: string;
  cert: string;
  key: string;
}

export function makeCertificate(): TestCertificate {
  const files = selfSignedCertificate(makeTempDir('cert'), 'cert', { subject: '/CN=127.0.0.1', altName: 'IP:127.0.0.1' });
  return { certFile: files.cert, cert: readFileSync(files.cert, 'utf8'), key: readFileSync(files.key, 'utf8') };
}
