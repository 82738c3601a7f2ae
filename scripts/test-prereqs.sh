#!/usr/bin/env bash
# Runs before `npm test` (npm's pretest): the system packages the tests use — Docker and Chromium
# included, which the quick start does not need — and a running Docker engine. Fast when all is
# there. As root it installs and starts what is missing; otherwise it prints the command to run.
set -euo pipefail
cd "$(dirname "$0")/.."
WITH_DOCKER=1 WITH_BROWSER=1 WITH_RGW=1 WITH_PEBBLE=1 bash scripts/install-system-deps.sh
if docker info >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ]; then exec bash scripts/start-dockerd.sh; fi
echo "error: no Docker engine answers — start it as root: bash scripts/start-dockerd.sh" >&2
exit 2
