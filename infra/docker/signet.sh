#!/bin/sh
# The `signet` CLI inside the image, on PATH: kubectl exec deploy/verifier -- signet status
# It reads the same SIGNET_CONFIG and REDIS_URL as the service it runs beside.
exec node --enable-source-maps /app/dist/apps/cli/main.js "$@"
