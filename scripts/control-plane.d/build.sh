#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kube-scheduler, etcd, KWOK, Helm (the chart tests) and (on
# request) kubectl from the Go module proxy, once per version, into
# the binary cache. Idempotent and safe to run concurrently: the whole build runs under a file lock, and
# each binary is written to a temporary name and renamed, so a killed build never leaves half a binary.
#
#   build.sh <cache-root>
#
# kubectl is built too when the one on PATH is missing or more than one minor older than the pinned
# kube-apiserver (outside Kubernetes' version skew policy). KONG_FLEET_BUILD_KUBECTL=always|never overrides.
# Prints KEY=value lines on stdout (progress goes to stderr):
#   K8S_VERSION  ETCD_VERSION  KWOK_VERSION  HELM_VERSION  KUBE_APISERVER  KUBE_CONTROLLER_MANAGER
#   KUBE_SCHEDULER  ETCD  KWOK  HELM  KUBECTL (absolute path of the kubectl to use)
# Versions come from the wrapper modules in go/kube, go/etcd, go/kwok and go/helm: bump them there.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${1:?usage: build.sh <cache-root>}

# Debian's Go lives outside the default PATH of non-login shells (CI).
command -v go >/dev/null 2>&1 || export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null 2>&1 || { echo "build.sh: no Go toolchain found (go on PATH or /usr/local/go/bin)" >&2; exit 1; }

# Never download another Go toolchain; upstream builds kube-apiserver statically (hack/lib/golang.sh).
export GOTOOLCHAIN=local CGO_ENABLED=0
export GOFLAGS="${GOFLAGS:-} -trimpath -mod=readonly"

module_version() { # go.mod module-path  →  the required version
  awk -v m="$2" '$1 == m && $2 ~ /^v/ { print $2; exit } $1 == "require" && $2 == m { print $3; exit }' "$1"
}
K8S_VERSION=$(module_version "$HERE/go/kube/go.mod" k8s.io/kubernetes)
ETCD_VERSION=$(module_version "$HERE/go/etcd/go.mod" go.etcd.io/etcd/server/v3)
KWOK_VERSION=$(module_version "$HERE/go/kwok/go.mod" sigs.k8s.io/kwok)
HELM_VERSION=$(module_version "$HERE/go/helm/go.mod" helm.sh/helm/v4)
[ -n "$K8S_VERSION" ] && [ -n "$ETCD_VERSION" ] && [ -n "$KWOK_VERSION" ] && [ -n "$HELM_VERSION" ] || {
  echo "build.sh: cannot read the pinned versions from $HERE/go/{kube,etcd,kwok,helm}/go.mod" >&2
  exit 1
}
K8S_BIN="$CACHE/k8s-$K8S_VERSION/bin"
ETCD_BIN="$CACHE/etcd-$ETCD_VERSION/bin"
KWOK_BIN="$CACHE/kwok-$KWOK_VERSION/bin"
HELM_BIN="$CACHE/helm-$HELM_VERSION/bin"
mkdir -p "$K8S_BIN" "$ETCD_BIN" "$KWOK_BIN" "$HELM_BIN"

exec 9>"$CACHE/.build.lock"
if ! flock -n 9; then
  echo "control-plane: another build is running; waiting for its lock ($CACHE/.build.lock)" >&2
  flock 9
fi

MINOR=$(echo "$K8S_VERSION" | cut -d. -f2)
# Without these stamps /version reports v0.0.0-master and kubectl's skew check complains.
STAMP="-X k8s.io/component-base/version.gitVersion=$K8S_VERSION \
 -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$MINOR \
 -X k8s.io/component-base/version.gitTreeState=clean \
 -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION \
 -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$MINOR \
 -X k8s.io/client-go/pkg/version.gitTreeState=clean"

build() { # module-dir out package ldflags
  local dir=$1 out=$2 pkg=$3 ldflags=$4
  [ -x "$out" ] && return 0
  echo "control-plane: building $(basename "$out") ($pkg) — the first build downloads and compiles a lot, minutes on 2 cores" >&2
  local started=$SECONDS
  (cd "$dir" && go build -ldflags "-s -w $ldflags" -o "$out.tmp.$$" "$pkg")
  mv -f "$out.tmp.$$" "$out"
  echo "control-plane: built $(basename "$out") in $((SECONDS - started)) s" >&2
}

build "$HERE/go/etcd" "$ETCD_BIN/etcd" go.etcd.io/etcd/server/v3 ""
build "$HERE/go/kube" "$K8S_BIN/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver "$STAMP"
# The controllers that turn Deployments into Pods and Services into EndpointSlices, and the scheduler
# that places Pods on KWOK's nodes: same module, same version and stamps as the apiserver.
build "$HERE/go/kube" "$K8S_BIN/kube-controller-manager" k8s.io/kubernetes/cmd/kube-controller-manager "$STAMP"
build "$HERE/go/kube" "$K8S_BIN/kube-scheduler" k8s.io/kubernetes/cmd/kube-scheduler "$STAMP"
# KWOK plays every kubelet: keeps fake Nodes Ready and moves their Pods through their lifecycle.
build "$HERE/go/kwok" "$KWOK_BIN/kwok" sigs.k8s.io/kwok/cmd/kwok ""
# Helm for the chart tests (charts/kong-fleet): lint, template, install/upgrade/rollback/uninstall. Its own
# module, so its client-go never moves the cluster's; the stamp makes `helm version` say the real version.
build "$HERE/go/helm" "$HELM_BIN/helm" helm.sh/helm/v4/cmd/helm \
  "-X helm.sh/helm/v4/internal/version.version=$HELM_VERSION -X helm.sh/helm/v4/internal/version.gitTreeState=clean"

installed_kubectl_minor() { # prints the minor of the kubectl on PATH, nothing when there is none
  command -v kubectl >/dev/null 2>&1 || return 0
  kubectl version --client -o json 2>/dev/null | sed -n 's/.*"minor": *"\([0-9]*\).*/\1/p' | head -n1
}
KUBECTL=""
case "${KONG_FLEET_BUILD_KUBECTL:-auto}" in
  always) ;;
  never)
    KUBECTL=$(command -v kubectl) || { echo "build.sh: KONG_FLEET_BUILD_KUBECTL=never but no kubectl on PATH" >&2; exit 1; } ;;
  auto)
    SYSTEM_MINOR=$(installed_kubectl_minor)
    if [ -n "$SYSTEM_MINOR" ] && [ "$SYSTEM_MINOR" -ge $((MINOR - 1)) ]; then KUBECTL=$(command -v kubectl); fi ;;
  *) echo "build.sh: KONG_FLEET_BUILD_KUBECTL must be auto, always or never" >&2; exit 2 ;;
esac
if [ -z "$KUBECTL" ]; then
  build "$HERE/go/kube" "$K8S_BIN/kubectl" k8s.io/kubernetes/cmd/kubectl "$STAMP"
  KUBECTL="$K8S_BIN/kubectl"
fi

echo "K8S_VERSION=$K8S_VERSION"
echo "ETCD_VERSION=$ETCD_VERSION"
echo "KWOK_VERSION=$KWOK_VERSION"
echo "HELM_VERSION=$HELM_VERSION"
echo "KUBE_APISERVER=$K8S_BIN/kube-apiserver"
echo "KUBE_CONTROLLER_MANAGER=$K8S_BIN/kube-controller-manager"
echo "KUBE_SCHEDULER=$K8S_BIN/kube-scheduler"
echo "ETCD=$ETCD_BIN/etcd"
echo "KWOK=$KWOK_BIN/kwok"
echo "HELM=$HELM_BIN/helm"
echo "KUBECTL=$KUBECTL"
