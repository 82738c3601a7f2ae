#!/usr/bin/env bash
# Starts dockerd when no engine answers (no systemd on these machines) and waits for it.
set -euo pipefail
if docker info >/dev/null 2>&1; then echo "docker engine: already running"; exit 0; fi
command -v dockerd >/dev/null || { echo "error: dockerd not installed — apt-get install -y docker.io" >&2; exit 2; }
setsid dockerd >/var/log/dockerd.log 2>&1 < /dev/null &
for _ in $(seq 1 60); do
  docker info >/dev/null 2>&1 && { echo "docker engine: started"; exit 0; }
  sleep 1
done
echo "error: dockerd did not answer within 60 s — see /var/log/dockerd.log" >&2
tail -20 /var/log/dockerd.log >&2
exit 1
