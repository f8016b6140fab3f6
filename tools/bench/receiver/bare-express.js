// Baseline for the receiver benchmark: express reading the raw body and answering 202, nothing else.
const express = require('express');
const app = express();
app.post('/webhooks/:name', express.raw({ type: () => true, limit: '1mb' }), (_req, res) => {
  res.status(202).json({ accepted: 1, duplicates: 0, ignored: 0 });
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));
