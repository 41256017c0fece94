#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, so `make test` sets itself up on a fresh
# machine. Called by `make test` and `make screenshots` before pytest.
# Already installed: a no-op using only shell builtins (well under a second).
# Missing and not root: one message with the install command, exit 1 (not one error per test).
set -euo pipefail

# Debian package -> the binary the tests run. chromium drives the browser tests; the registry
# tests start their own CNCF Distribution (Debian's docker-registry) on free loopback ports.
declare -A binary_of=([chromium]=chromium [docker-registry]=docker-registry)

missing=()
for pkg in chromium docker-registry; do
  command -v "${binary_of[$pkg]}" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]} == 0)); then exit 0; fi

# $EUID, not `id -u`: builtins only, so this path works even with a bare PATH.
if ((EUID != 0)) || ! command -v apt-get >/dev/null 2>&1; then
  echo "make test needs Debian packages that are missing: ${missing[*]}." >&2
  echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "Installing test packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null

# The package starts its own registry service (:5000 where the machine allows it); the tests
# do not use it, so stop it rather than leave a stray listener.
if [[ " ${missing[*]} " == *" docker-registry "* ]]; then
  service docker-registry stop >/dev/null 2>&1 || true
fi
