#!/usr/bin/env bash
# it_deploy: the deployment files keep their promises. RBAC grants exactly
# the verbs and resources the kubernetes source uses (no more, no less),
# the pod runs non-root with a read-only root filesystem and no
# capabilities, probes and resources are set, the Secret is a template
# only, the Dockerfile is multi-stage and ends as a non-root user. YAML is
# parsed when PyYAML is present (Debian: python3-yaml). The example
# Prometheus deployments file is one the service starts with.
set -euo pipefail
cd "${SA_SOURCE_DIR:?}"
D=deploy
fail() { echo "it_deploy: FAIL: $*" >&2; exit 1; }
need() { grep -Eq -- "$2" "$1" || fail "$1: missing $3"; }

for f in namespace serviceaccount rbac secret.example pvc deployment service kustomization; do
    [ -f "$D/$f.yaml" ] || fail "$D/$f.yaml missing"
done

# RBAC: the exact (group, resource, verbs) triples, in order, and nothing else
got=$(awk '
    /apiGroups:/ { g = $0; sub(/.*apiGroups: */, "", g) }
    /resources:/ { r = $0; sub(/.*resources: */, "", r) }
    /verbs:/     { v = $0; sub(/.*verbs: */, "", v); print g " " r " " v }' "$D/rbac.yaml")
want='["apps"] ["deployments"] ["list"]
["apps"] ["deployments/scale"] ["get", "patch"]
["autoscaling"] ["horizontalpodautoscalers"] ["list", "get", "patch"]
["metrics.k8s.io"] ["pods"] ["list"]
[""] ["pods"] ["list"]'
[ "$got" = "$want" ] || fail "rbac.yaml rules differ from the requests the source makes:
$got"
grep -v '^ *#' "$D/rbac.yaml" | grep -Eq '"\*"|create|delete|update|watch|secrets' && fail "rbac.yaml grants more than needed"
# ...and those are the requests src/sources/kubernetes.c makes
for p in '/apis/apps/v1/deployments?labelSelector=' '/deployments/%s/scale' \
         '/apis/autoscaling/v2/horizontalpodautoscalers' '/horizontalpodautoscalers/%s' \
         '"/apis/metrics.k8s.io/v1beta1"' '"/api/v1"' '"%s/namespaces/%s/pods?labelSelector=%s"'; do
    grep -qF -- "$p" src/sources/kubernetes.c || fail "kubernetes.c no longer requests $p: update rbac.yaml"
done

# pod security
dep="$D/deployment.yaml"
need "$dep" 'runAsNonRoot: true' "runAsNonRoot"
need "$dep" 'readOnlyRootFilesystem: true' "readOnlyRootFilesystem"
need "$dep" 'allowPrivilegeEscalation: false' "allowPrivilegeEscalation: false"
need "$dep" 'drop: \["ALL"\]' "capabilities drop ALL"
need "$dep" 'type: RuntimeDefault' "seccomp RuntimeDefault"
need "$dep" 'livenessProbe:' "a liveness probe"
need "$dep" 'path: /readyz' "a readiness probe on /readyz"
need "$dep" 'requests: \{cpu: [0-9]+m, memory: [0-9]+Mi\}' "resource requests"
need "$dep" 'limits: \{cpu: [0-9]+m, memory: [0-9]+Mi\}' "resource limits"
need "$dep" 'claimName: scaleadvisor-data' "the PVC"
need "$dep" 'value: "true"' "dry-run by default"
need "$dep" 'serviceAccountName: scaleadvisor' "its service account"
grep -q 'scaleadvisor.io/enabled' "$dep" && fail "scaleadvisor must not watch itself"
need "$D/secret.example.yaml" 'REPLACE-WITH' "a placeholder token (template only)"
need "$D/secret.example.yaml" 'GROQ_API_KEY: ""' "an empty GROQ_API_KEY"

# image
df="$D/Dockerfile"
[ "$(grep -c '^FROM ' "$df")" -ge 2 ] || fail "Dockerfile is not multi-stage"
need "$df" '^USER 10001' "a non-root USER"
need "$df" '^FROM debian:12-slim AS runtime' "a slim runtime stage"
grep -Eq '^FROM .* AS runtime' "$df" && ! sed -n '/AS runtime/,$p' "$df" | grep -q -- '-dev' ||
    fail "runtime stage installs -dev packages"

if /usr/bin/env python3 -c 'import yaml' 2>/dev/null; then
    python3 - "$D" <<'PY'
import glob, sys, yaml
for f in sorted(glob.glob(sys.argv[1] + "/*.yaml")):
    docs = [d for d in yaml.safe_load_all(open(f)) if d is not None]
    assert docs, f + ": empty"
    for d in docs:
        assert "apiVersion" in d and "kind" in d, f + ": object without apiVersion/kind"
print("it_deploy: YAML parsed")
PY
fi
# the example Prometheus deployments file is one the service accepts: its
# config is checked at start-up (exit 2 and the field on a bad one), so a
# start that reaches "http listening" proves it
if [ -n "${SA_BIN:-}" ] && [ -x "$SA_BIN" ]; then
    tmp=$(mktemp -d)
    trap 'kill "${sa:-0}" 2>/dev/null || true; rm -rf "$tmp"' EXIT
    awk '/deployments.json: \|/ { on = 1; next } on { sub(/^    /, ""); print }' \
        "$D/prometheus-config.example.yaml" > "$tmp/deployments.json"
    jq -e '.deployments | length > 0' "$tmp/deployments.json" >/dev/null ||
        fail "prometheus-config.example.yaml: deployments.json not extracted"
    (cd "$tmp" && exec env -u GROQ_API_KEY PROMETHEUS_URL=http://127.0.0.1:9 \
        SCALEADVISOR_CONFIG="$tmp/deployments.json" "$SA_BIN" serve --source prometheus \
        --listen 127.0.0.1:0 --db "$tmp/sa.db" > "$tmp/out" 2> "$tmp/err") &
    sa=$!
    for _ in $(seq 1 100); do
        grep -q '"msg":"http listening"' "$tmp/err" 2>/dev/null && break
        kill -0 "$sa" 2>/dev/null || break
        sleep 0.1
    done
    grep -q '"msg":"http listening"' "$tmp/err" ||
        { cat "$tmp/err" >&2; fail "the service refused deploy/prometheus-config.example.yaml's deployments.json"; }
    kill "$sa"; wait "$sa" 2>/dev/null || true
    echo "it_deploy: the example Prometheus deployments file is accepted"
fi
echo "it_deploy: OK"
