#!/usr/bin/env bash
# Runs the Gateway API conformance tests that need no data-plane traffic against a running kong-fleet controller.
#   KUBECONFIG=… scripts/gateway-conformance/run.sh [TEST…]      (default: the status-only list below)
# Needs: a cluster with the Gateway API CRDs (scripts/control-plane up), a kong-fleet controller watching it with
# KONG_FLEET_PUBLISH_ADDRESSES set (Gateways are Programmed once they have an address), Go (the module proxy
# fetches the suite once). Prints one line per test: name, PASS/FAIL/SKIP.
set -euo pipefail
here="$(dirname "$(readlink -f "$0")")"
: "${KUBECONFIG:?set KUBECONFIG to the cluster the controller serves}"
class="${GATEWAY_CLASS:-kong-fleet}"
features="${SUPPORTED_FEATURES:-Gateway,HTTPRoute,ReferenceGrant,GatewayPort8080,HTTPRouteParentRefPort,HTTPRouteDestinationPortMatching,TLSRoute,TCPRoute,UDPRoute}"
binary="${TMPDIR:-/tmp}/kong-fleet-gateway-conformance.test"
(cd "$here" && go test -c -o "$binary" .)
kubectl apply -f - <<YAML
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: ${class}
spec:
  controllerName: kongfleet.io/gateway-controller
YAML
tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
  tests=(
    GatewayClassObservedGenerationBump GatewayObservedGenerationBump GatewayInvalidRouteKind
    GatewayInvalidTLSConfiguration GatewayListenerUnsupportedProtocol GatewayModifyListeners
    GatewaySecretInvalidReferenceGrant GatewaySecretMissingReferenceGrant GatewaySecretReferenceGrantAllInNamespace
    GatewaySecretReferenceGrantSpecific GatewayWithAttachedRoutes HTTPRouteInvalidCrossNamespaceParentRef
    HTTPRouteInvalidParentRefNotMatchingSectionName HTTPRouteObservedGenerationBump
    HTTPRouteInvalidParentRefNotMatchingListenerPort HTTPRouteInvalidParentRefSectionNameNotMatchingPort
    HTTPRouteDisallowedKind TLSRouteInvalidNoMatchingListenerHostname TLSRouteInvalidNoMatchingListener
    TLSRouteInvalidReferenceGrant TLSRouteListenerPassthroughSupportedKinds TCPRouteInvalidNonTCPListener
    TCPRouteInvalidBackendRefNonexistent TCPRouteInvalidCrossNamespaceBackendRef UDPRouteInvalidBackendRefNonexistent
    UDPRouteInvalidCrossNamespaceBackendRef UDPRouteNotAllowedByListeners
  )
fi
logs="${TMPDIR:-/tmp}/kong-fleet-gateway-conformance-logs"
mkdir -p "$logs"
for t in "${tests[@]}"; do
  "$binary" -test.run TestKongFleet -test.v -test.timeout 390s -gateway-class="$class" \
    -supported-features="$features" -run-test="$t" -cleanup-base-resources=false >"$logs/$t.log" 2>&1 || true
  result=$(grep -oE -- "--- (PASS|FAIL|SKIP): TestKongFleet/$t " "$logs/$t.log" | head -1 | grep -oE 'PASS|FAIL|SKIP' || echo ERROR)
  echo "$t $result"
done
