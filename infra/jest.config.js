// Deployment files checked against the code they deploy: parsing, kustomize structure, promtool, and the
// metric names used by the dashboard and alert rules against what the running services export.
const preset = require('../jest.preset.js');

module.exports = {
  ...preset,
  displayName: 'infra',
  rootDir: __dirname,
  // infra/ sits one level below the repository root (the preset assumes two).
  moduleNameMapper: { '^@signet/([a-z]+)$': '<rootDir>/../packages/$1/src/index.ts' },
  testTimeout: 120000,
};
