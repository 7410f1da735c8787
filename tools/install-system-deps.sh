#!/usr/bin/env bash
# Installs the Debian packages the project needs, only those missing (idempotent).
# Usage: tools/install-system-deps.sh [extra packages...]
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1; }
have java || need+=(openjdk-17-jdk-headless)
have mvn || need+=(maven)
have node || need+=(nodejs)
have npm || need+=(npm)
have python3.11 || have python3 || need+=(python3 python3-venv)
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
