// End-to-end tests: each Signet service runs as its own process against real Redis, registry and Prometheus.
module.exports = { ...require('../../jest.preset.js'), displayName: 'e2e', rootDir: __dirname, testTimeout: 180000 };
