// Package conformance runs the upstream Gateway API conformance suite (sigs.k8s.io/gateway-api/conformance,
// the version of the CRDs scripts/control-plane installs) against a cluster a kong-fleet controller serves.
// Flags are the suite's own (--gateway-class, --supported-features, --run-test…); see run.sh.
package conformance

import (
	"testing"

	"sigs.k8s.io/gateway-api/conformance"
)

func TestKongFleet(t *testing.T) {
	conformance.RunConformance(t)
}
