#!/usr/bin/env bash
# Debian packages the browser tests need: Chromium (driven by playwright-core; no browser download) and fonts.
# Idempotent. Use: `source scripts/ci/system-packages.sh`.
_sf_system_packages() {
  if [ -x /usr/bin/chromium ]; then return 0; fi
  echo "system-packages.sh: installing chromium from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || return 1
  apt-get install -y -qq chromium fonts-dejavu-core >&2 || return 1
}
_sf_system_packages
