#!/usr/bin/env node
// Runs the built CLI when present (fast start), else the TypeScript sources through tsx.
const path = require('node:path');
const fs = require('node:fs');
const built = path.join(__dirname, '../../../dist/apps/cli/main.js');
if (fs.existsSync(built) && !process.env.SIGNET_CLI_FROM_SOURCE) {
  require(built);
} else {
  require('tsx/cjs/api').register();
  require('../src/main.ts');
}
