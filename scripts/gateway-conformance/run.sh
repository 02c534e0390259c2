#!/usr/bin/env bash
# Runs Gateway API conformance tests against a running kong-fleet controller.
#   KUBECONFIG=… scripts/gateway-conformance/run.sh [TEST…]            (default: the status-only list below)
#   KUBECONFIG=… scripts/gateway-conformance/run.sh --traffic [TEST…]  (default: the traffic list below)
# The traffic tests need the Gateway address served and the suite's echo Pods answered: traffic.sh brings up
# all of that (harness.ts) and runs `run.sh --traffic` inside it, in one command.
# Needs: a cluster with the Gateway API CRDs (scripts/control-plane up), a kong-fleet controller watching it with
# KONG_FLEET_PUBLISH_ADDRESSES set (Gateways are Programmed once they have an address), Go (the module proxy
# fetches the suite once). Prints one line per test: name, PASS/FAIL/SKIP.
set -euo pipefail
here="$(dirname "$(readlink -f "$0")")"
: "${KUBECONFIG:?set KUBECONFIG to the cluster the controller serves}"
class="${GATEWAY_CLASS:-kong-fleet}"
features="${SUPPORTED_FEATURES:-Gateway,HTTPRoute,ReferenceGrant,GatewayPort8080,HTTPRouteParentRefPort,HTTPRouteDestinationPortMatching,TLSRoute,TCPRoute,UDPRoute}"
traffic=false
if [ "${1:-}" = "--traffic" ]; then traffic=true; shift; fi
# The traffic tests of filters the translator implements need their extended features claimed, or the
# suite skips them; SUPPORTED_FEATURES (the claim the GatewayClass status makes) stays the default list.
if $traffic; then
  features="${TRAFFIC_FEATURES:-$features,HTTPRouteQueryParamMatching,HTTPRouteMethodMatching,HTTPRouteResponseHeaderModification,HTTPRouteHostRewrite,HTTPRoutePathRewrite,HTTPRouteSchemeRedirect,HTTPRoutePathRedirect,HTTPRoutePortRedirect,HTTPRoute303RedirectStatusCode,HTTPRoute307RedirectStatusCode,HTTPRoute308RedirectStatusCode,HTTPRouteRequestTimeout,HTTPRouteBackendTimeout}"
fi
binary="${TMPDIR:-/tmp}/kong-fleet-gateway-conformance.test"
[ -n "${CONFORMANCE_BINARY:-}" ] && binary="$CONFORMANCE_BINARY"
[ -n "${CONFORMANCE_BINARY:-}" ] || (cd "$here" && go test -c -o "$binary" .)
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
  if $traffic; then
    tests=(
      HTTPRouteSimpleSameNamespace HTTPRouteMatching HTTPRouteHostnameIntersection HTTPRouteHeaderMatching
      HTTPRoutePathMatchOrder HTTPRouteCrossNamespace HTTPRouteExactPathMatching HTTPRouteQueryParamMatching
      HTTPRouteMethodMatching HTTPRouteRequestHeaderModifier HTTPRouteResponseHeaderModifier
      HTTPRouteRedirectHostAndStatus HTTPRouteRedirectPath HTTPRouteRedirectPort HTTPRouteRedirectScheme
      HTTPRouteRedirectPortAndScheme HTTPRouteRewriteHost HTTPRouteRewritePath HTTPRouteWeight
      HTTPRouteMatchingAcrossRoutes HTTPRouteListenerHostnameMatching HTTPRouteReferenceGrant
      HTTPRouteInvalidNonExistentBackendRef HTTPRouteInvalidBackendRefUnknownKind
      HTTPRouteInvalidCrossNamespaceBackendRef HTTPRouteInvalidReferenceGrant
      HTTPRoutePartiallyInvalidViaInvalidReferenceGrant HTTPRouteServiceTypes HTTPRouteMultipleGateways
      HTTPRouteHTTPSListener HTTPRouteNoBackendRefs HTTPRoute303Redirect HTTPRoute307Redirect HTTPRoute308Redirect
      HTTPRouteTimeoutRequest HTTPRouteTimeoutBackendRequest HTTPRouteListenerPortMatching
      TLSRouteInvalidBackendRefNonexistent TLSRouteInvalidBackendRefUnknownKind
    )
  fi
fi
logs="${TMPDIR:-/tmp}/kong-fleet-gateway-conformance-logs"
mkdir -p "$logs"
for t in "${tests[@]}"; do
  "$binary" -test.run TestKongFleet -test.v -test.timeout 390s -gateway-class="$class" \
    -supported-features="$features" -run-test="$t" -cleanup-base-resources=false >"$logs/$t.log" 2>&1 || true
  result=$(grep -oE -- "--- (PASS|FAIL|SKIP): TestKongFleet/$t " "$logs/$t.log" | head -1 | grep -oE 'PASS|FAIL|SKIP' || echo ERROR)
  reason=""
  # Why a test failed, for the table: the last "not ready yet" of a traffic check, else the first assertion.
  if [ "$result" != PASS ]; then
    reason=$(grep -oE 'not ready yet: .*' "$logs/$t.log" | sed 's/ (after [^)]*)$//' | tail -1 | cut -c1-300 || true)
    [ -n "$reason" ] || reason=$(grep -m1 -A1 -E '^\s+Error:' "$logs/$t.log" | tr -s ' \t\n' ' ' | cut -c1-300 || true)
  fi
  echo "$t $result${reason:+ | $reason}"
done
