#!/usr/bin/env bash
# Quick start on a fresh Debian machine (`npm run quickstart`): system packages, npm ci, build,
# then the small preset on the native target (supervised local processes), an API key, the
# sample PDF watermarked through the API, and the URLs to look at. Safe to run again: the
# second run finds the stack up and changes nothing.
#
# Knobs (environment):
#   QUICKSTART_DIR          folder for the profile, secrets, state and the result (default .prodctl/quickstart)
#   QUICKSTART_SKIP_BUILD=1 skip `npm ci` and the build (the checkout is already built)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
DIR="${QUICKSTART_DIR:-$ROOT/.prodctl/quickstart}"
say() { printf '\n== %s\n' "$*"; }

say "system packages"
NEED=(postgresql redis-server haproxy prometheus prometheus-alertmanager prometheus-postgres-exporter
      prometheus-redis-exporter prometheus-node-exporter qpdf)
REQUIRED=(postgresql redis-server)
missing=()
for p in "${NEED[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    bash scripts/install-system-deps.sh
  else
    echo "missing: ${missing[*]}"
    echo "run as root: apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
    for r in "${REQUIRED[@]}"; do
      if printf '%s\n' "${missing[@]}" | grep -qx "$r"; then echo "error: $r is required — install it first" >&2; exit 1; fi
    done
    echo "(continuing: the missing optional components are skipped)"
  fi
else
  echo "all present"
fi

if [ "${QUICKSTART_SKIP_BUILD:-0}" != 1 ]; then
  say "npm ci and build"
  npm ci --no-audit --no-fund
  npm run build
fi

say "profile and secrets in $DIR"
mkdir -p "$DIR/secrets"
DIR="$(cd "$DIR" && pwd)"
# Postgres runs as its own account when we are root: it must be able to reach its data folder.
# A checkout in a private folder (mktemp -d, /root) would stop it: grant search (o+x, not
# listing) on each folder above that lacks it, and say so.
chmod 755 "$DIR"
if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1 && ! runuser -u postgres -- test -x "$DIR"; then
  d=""
  IFS=/ read -ra parts <<< "${DIR#/}"
  for part in "${parts[@]}"; do   # from / down, so each folder is tested with its parents passable
    d="$d/$part"
    if ! runuser -u postgres -- test -x "$d"; then chmod o+x "$d" && echo "granted search (o+x) on $d so the postgres account reaches $DIR"; fi
  done
fi
for s in postgres_password postgres_superuser_password redis_password api_key_pepper grafana_admin_password backup_key; do
  [ -s "$DIR/secrets/$s" ] || (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$DIR/secrets/$s")
done
# The edge dashboard's users file (htpasswd {SHA} form); the HAProxy edge does not use it, the profile still names it.
[ -s "$DIR/secrets/edge_dashboard_users" ] || (umask 077 && node -e 'const c=require("node:crypto");console.log("admin:{SHA}"+c.createHash("sha1").update(c.randomBytes(24)).digest("base64"))' > "$DIR/secrets/edge_dashboard_users")
if [ ! -f "$DIR/prodctl.yaml" ]; then
  cat > "$DIR/prodctl.yaml" <<'YAML'
# Quick start: the small preset as local processes (native target) behind HAProxy.
extends: small
target: native
project: { name: pdf-quickstart, domains: [], environment: development }
edge: { kind: haproxy, http_port: 8080, bind: 127.0.0.1 }
api: { drain_window: 2s }
monitoring: { grafana: { enabled: false } }
secrets:
  postgres_password: { file: secrets/postgres_password }
  postgres_superuser_password: { file: secrets/postgres_superuser_password }
  redis_password: { file: secrets/redis_password }
  api_key_pepper: { file: secrets/api_key_pepper }
  grafana_admin_password: { file: secrets/grafana_admin_password }
  backup_key: { file: secrets/backup_key }
  edge_dashboard_users: { file: secrets/edge_dashboard_users }
YAML
fi
prodctl() { node "$ROOT/bin/prodctl.js" -f "$DIR/prodctl.yaml" "$@"; }

say "prodctl up (native)"
prodctl up --target native

say "API key, upload, watermark job"
KEY="$(prodctl keys create --user quickstart)"
EDGE="$(node -e 'const e = require(process.argv[1]); console.log(`http://${e.edge.host}:${e.edge.port}`)' "$DIR/.prodctl/native/endpoints.json")"
json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);const r=process.argv[1].split(".").reduce((o,k)=>o?.[k],v);console.log(r??"")})' "$1"; }
FILE_ID="$(curl -sfS -H "Authorization: Bearer $KEY" -H 'Content-Type: application/pdf' --data-binary @examples/sample.pdf "$EDGE/v1/files" | json id)"
echo "uploaded examples/sample.pdf as file $FILE_ID"
JOB_ID="$(curl -sfS -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d "{\"op\":\"watermark\",\"inputs\":[\"$FILE_ID\"],\"params\":{\"text\":\"QUICKSTART\"}}" "$EDGE/v1/jobs" | json id)"
echo "watermark job $JOB_ID"
STATE=""
for _ in $(seq 1 240); do
  JOB="$(curl -sfS -H "Authorization: Bearer $KEY" "$EDGE/v1/jobs/$JOB_ID")"
  STATE="$(printf '%s' "$JOB" | json state)"
  [ "$STATE" = completed ] || [ "$STATE" = failed ] && break
  sleep 0.5
done
if [ "$STATE" != completed ]; then echo "error: the job ended as '$STATE': $JOB — see: prodctl -f $DIR/prodctl.yaml logs worker" >&2; exit 1; fi
RESULT_ID="$(printf '%s' "$JOB" | json result.0)"
OUT="$DIR/sample-watermarked.pdf"
curl -sfS -H "Authorization: Bearer $KEY" -o "$OUT" "$EDGE/v1/files/$RESULT_ID"
if command -v qpdf >/dev/null; then qpdf --check "$OUT" >/dev/null && echo "qpdf --check: ok"; fi

PROM="$(node -e 'const e = require(process.argv[1]); console.log(e.prometheus?.url ?? "(skipped)")' "$DIR/.prodctl/native/endpoints.json")"
AM="$(node -e 'const e = require(process.argv[1]); console.log(e.alertmanager?.url ?? "(skipped)")' "$DIR/.prodctl/native/endpoints.json")"
say "done"
cat <<TXT
result        $OUT
API           $EDGE   (API key for user 'quickstart': $KEY)
Prometheus    $PROM
Alertmanager  $AM

status:       node bin/prodctl.js -f $DIR/prodctl.yaml status
logs:         node bin/prodctl.js -f $DIR/prodctl.yaml logs api -f
stop:         node bin/prodctl.js -f $DIR/prodctl.yaml down
TXT
