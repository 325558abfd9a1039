#!/usr/bin/env bash
# Debian packages the integration tests need: Chromium (driven by playwright-core; no browser download) and
# fonts for the browser tests; PyTorch (python3-torch, for Debian's /usr/bin/python3) and iproute2 (ip, tc:
# network namespaces and the shaped WAN link) for test/e2e/cross-site.test.ts. Idempotent.
# Use: `source scripts/ci/system-packages.sh`.
_sf_system_packages() {
  local want=()
  [ -x /usr/bin/chromium ] || want+=(chromium fonts-dejavu-core)
  /usr/bin/python3 -c 'import torch' >/dev/null 2>&1 || want+=(python3-torch)
  command -v tc >/dev/null 2>&1 || want+=(iproute2)
  if [ ${#want[@]} -eq 0 ]; then return 0; fi
  echo "system-packages.sh: installing ${want[*]} from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || return 1
  apt-get install -y -qq "${want[@]}" >&2 || return 1
}
_sf_system_packages
