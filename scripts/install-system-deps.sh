#!/usr/bin/env bash
# Installs the Debian packages prodctl's stack and tests use, skipping what is already there.
# Idempotent; needs root (prints the exact command otherwise).
set -euo pipefail
PKGS=(postgresql redis-server haproxy prometheus prometheus-alertmanager prometheus-postgres-exporter
      prometheus-redis-exporter prometheus-node-exporter qpdf poppler-utils wrk tmux zstd procps iproute2)
[ "${WITH_DOCKER:-0}" = 1 ] && PKGS+=(docker.io debootstrap)
[ "${WITH_BROWSER:-0}" = 1 ] && PKGS+=(chromium)
# S3 storage and backup tests: a throwaway single-node Ceph RADOS Gateway (real S3; test/support/rgw-cluster.ts).
[ "${WITH_RGW:-0}" = 1 ] && PKGS+=(radosgw ceph-mon ceph-osd)
# TLS tests: Let's Encrypt's test ACME server (pebble, pebble-challtestsrv; test/support/pebble-global.ts).
[ "${WITH_PEBBLE:-0}" = 1 ] && PKGS+=(pebble)
# SLO probes: the blackbox exporter probes the edge from outside (native target; checks OPS-105, drills).
PKGS+=(prometheus-blackbox-exporter)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then echo "system packages: all present"; exit 0; fi
cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
  echo "error: missing system packages — run as root: apt-get update && $cmd" >&2
  exit 2
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Debian's postinst scripts try to start services; there is no init system here, and prodctl
# starts what it needs itself.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
apt-get install -y -qq --no-install-recommends "${missing[@]}"
