#!/usr/bin/env bash
# Creates the skeleton of one project: tools/scaffold.sh apps|packages NAME
set -euo pipefail
kind=$1 name=$2 dir=$1/$2
tag=$([ "$kind" = apps ] && echo type:app || echo type:package)
mkdir -p "$dir/src"
cat > "$dir/package.json" <<JSON
{
  "name": "@signet/$name",
  "version": "0.1.0",
  "private": true,
  "main": "src/index.ts",
  "types": "src/index.ts"
}
JSON
cat > "$dir/project.json" <<JSON
{
  "name": "$name",
  "\$schema": "../../node_modules/nx/schemas/project-schema.json",
  "sourceRoot": "$dir/src",
  "projectType": "$([ "$kind" = apps ] && echo application || echo library)",
  "tags": ["$tag"],
  "targets": {
    "build": { "executor": "nx:run-commands", "options": { "command": "node tools/build.mjs $dir" } },
    "typecheck": { "executor": "nx:run-commands", "options": { "command": "tsc -p $dir/tsconfig.json" } },
    "lint": { "executor": "nx:run-commands", "options": { "command": "eslint $dir" } },
    "test": { "executor": "nx:run-commands", "options": { "command": "jest -c $dir/jest.config.js" } }
  }
}
JSON
cat > "$dir/tsconfig.json" <<JSON
{
  "extends": "../../tsconfig.base.json",
  "include": ["src/**/*.ts", "test/**/*.ts"]
}
JSON
cat > "$dir/jest.config.js" <<JS
module.exports = { ...require('../../jest.preset.js'), displayName: '$name', rootDir: __dirname };
JS
