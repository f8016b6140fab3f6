#!/bin/sh
# Starts one Signet service: the first argument, else $SIGNET_APP (webhook-receiver | signer | verifier | admission).
# PORT defaults to the app's conventional port so the HEALTHCHECK (healthcheck.js) finds it.
# `signet ...` as the arguments runs the CLI instead (docker run IMAGE signet status).
set -eu

app="${1:-${SIGNET_APP:-}}"
case "$app" in
  signet)
    shift
    exec /usr/local/bin/signet "$@"
    ;;
  webhook-receiver|receiver) app=webhook-receiver; default_port=8080 ;;
  signer) default_port=9101 ;;
  verifier) default_port=9102 ;;
  admission) default_port=9443 ;;
  *)
    echo "signet: unknown app '${app}'; set SIGNET_APP or pass one of: webhook-receiver, signer, verifier, admission (or signet <command> for the CLI)" >&2
    exit 64
    ;;
esac
[ "$#" -gt 0 ] && shift

export SIGNET_APP="$app"
export PORT="${PORT:-$default_port}"
# exec: node replaces the shell and receives SIGTERM itself, so the service shuts down gracefully.
exec node --enable-source-maps "/app/dist/apps/${app}/main.js" "$@"
