// Baseline for the admission benchmark: express over HTTPS (the same certificate) parsing the AdmissionReview and
// answering `allowed: true` with its uid, nothing else.
const { readFileSync } = require('node:fs');
const https = require('node:https');
const express = require('express');
const app = express();
app.post('/validate', express.json({ limit: '4mb' }), (req, res) => {
  res.json({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: req.body.request.uid, allowed: true } });
});
app.get('/', (_req, res) => res.status(404).end());
const server = https.createServer({ cert: readFileSync(process.env.CERT_FILE), key: readFileSync(process.env.KEY_FILE) }, app);
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
