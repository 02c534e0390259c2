#!/usr/bin/env bash
# The Gateway API conformance traffic tests in one command, on a cluster of their own:
#   scripts/gateway-conformance/traffic.sh [TEST…]     (default: run.sh's --traffic list)
# harness.ts starts the control plane with its pod network, Redis, one simulated Kong pod, the Gateway
# address (10.X.255.250 in the pod network: 80/8080 → 8000, 443 → 8443), echo-basic stand-ins for the
# suite's Pods and a kong-fleet controller, runs `run.sh --traffic` and tears everything down.
# ROUTER_FLAVOR=expressions: the expression router and ExpressionRoutes=true (default traditional_compatible).
# Needs root (ip netns) and Go; one suite at a time on a shared machine.
set -euo pipefail
here="$(dirname "$(readlink -f "$0")")"
exec "$here/../toolchain" node "$here/harness.ts" ${KEEP:+--keep} -- "$here/run.sh" --traffic "$@"
