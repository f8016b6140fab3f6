import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';

/**
 * Apps import packages; packages never import apps; apps never import each other. `alsoAllowed` are tags
 * every project may import besides: the test helpers (`scope:test`, not a `type:package`) in tests only.
 */
const depConstraints = (alsoAllowed = []) => [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:package', ...alsoAllowed] },
  { sourceTag: 'type:package', onlyDependOnLibsWithTags: ['type:package', ...alsoAllowed] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:package', ...alsoAllowed] },
  { sourceTag: 'scope:test', onlyDependOnLibsWithTags: ['type:package'] },
  // Leaf packages (the shared OCI facts, the error base) stay leaves, so every package can import them without a cycle.
  { sourceTag: 'layer:leaf', onlyDependOnLibsWithTags: ['layer:leaf', ...alsoAllowed] },
];

/** The module-boundary rule, with `alsoAllowed` tags importable from any project. */
const boundaries = (alsoAllowed = []) => [
  'error',
  { enforceBuildableLibDependency: false, allow: [], depConstraints: depConstraints(alsoAllowed) },
];

/** Tests, specs and tools: they may use the test helpers that product code may not. */
const TEST_FILES = ['**/test/**/*.ts', '**/*.spec.ts', 'tools/**/*.ts'];

export default [
  { ignores: ['**/dist/**', '**/node_modules/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      // Product code never imports the test helpers: they start servers and write files as tests need.
      '@nx/enforce-module-boundaries': boundaries(),
    },
  },
  {
    files: TEST_FILES,
    rules: { '@nx/enforce-module-boundaries': boundaries(['scope:test']) },
  },
];
