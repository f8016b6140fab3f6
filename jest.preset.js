// Shared jest settings: @swc/jest strips types (the `typecheck` target checks them with tsc).
const path = require('node:path');

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.(t|j)s$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  moduleNameMapper: {
    // Every package by its name, so a new package needs no entry here (apps are never imported).
    '^@signet/([a-z0-9-]+)$': '<rootDir>/../../packages/$1/src/index.ts',
  },
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.test.ts'],
  testTimeout: 60000,
  // A leaked handle must not hang CI; tests still close what they open.
  forceExit: true,
  // The default reporter, and a log of failures that .ci/run prints at the very end of its output.
  reporters: ['default', path.join(__dirname, 'tools/jest/failure-log-reporter.js')],
};
