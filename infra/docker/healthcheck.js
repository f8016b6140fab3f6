// Docker HEALTHCHECK: GET /healthz on the running service's port. The port is read from the service's own
// environment (PID 1, after entrypoint.sh chose the app and PORT), so `docker run IMAGE signer` works too.
'use strict';
const { readFileSync } = require('node:fs');
const http = require('node:http');

function serviceEnv() {
  try {
    const pairs = readFileSync('/proc/1/environ', 'utf8').split('\0').filter(Boolean);
    const env = Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
    // PID 1 is the service only inside the image; anywhere else use this process's environment.
    if (env.SIGNET_APP) return env;
  } catch {
    // not readable: fall through
  }
  return process.env;
}

const defaults = { signer: 9101, verifier: 9102 };
const env = serviceEnv();
// The admission webhook's PORT is its HTTPS listener; /healthz is on its ops port (admission.opsPort).
// The receiver's PORT serves only webhooks; /healthz is on its ops port (receiver.ops.port, OPS_PORT).
const opsPort = { admission: () => env.ADMISSION_OPS_PORT || 9103, 'webhook-receiver': () => env.OPS_PORT || 9100 }[env.SIGNET_APP];
const port = Number(opsPort ? opsPort() : env.PORT || defaults[env.SIGNET_APP] || 9100);
const req = http.get({ host: '127.0.0.1', port, path: '/healthz', timeout: 2500 }, (res) => {
  res.resume();
  process.exit(res.statusCode === 200 ? 0 : 1);
});
req.on('timeout', () => req.destroy(new Error('timeout')));
req.on('error', () => process.exit(1));
