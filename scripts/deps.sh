#!/usr/bin/env bash
# Installs the Debian packages Frontdesk needs, and only those that are missing.
# Idempotent: when everything is present it calls neither apt-get nor npm.
#   scripts/deps.sh          build + run dependencies
#   scripts/deps.sh --test   also the test dependencies (Criterion, Chromium, npm packages)
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(gcc make pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev libsodium-dev
      libinih-dev libmagic-dev zlib1g-dev libcmark-gfm-dev libcmark-gfm-extensions-dev
      libstemmer-dev libgmime-3.0-dev libcurl4-openssl-dev libopendkim-dev libssl-dev libwslay-dev libidn2-dev liboath-dev tzdata
      libspf2-dev publicsuffix)
if [ "${1:-}" = "--test" ]; then
    pkgs+=(libcriterion-dev chromium sqlite3 clang-format dovecot-imapd python3-aiosmtpd libxml2-utils)
    pkgs+=(clamav-daemon) # a real clamd for tests/api/clamd.test.mjs (no signature download)
    pkgs+=(clang libclang-rt-14-dev) # libFuzzer for the short fuzz run (make fuzz-smoke)
    # Node.js 18+ may already come from elsewhere (with its own npm); Debian's npm
    # package would conflict with it, so ask for Debian's only when there is none.
    command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
    command -v npm >/dev/null 2>&1 || pkgs+=(npm)
fi

missing=()
for p in "${pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "deps: installing ${missing[*]}" >&2
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

if [ "${1:-}" = "--test" ]; then
    # Browser and API tests use node's built-in runner plus playwright-core, pinned by
    # tests/package-lock.json. playwright-core never downloads a browser of its own:
    # the tests drive Debian's /usr/bin/chromium.
    if [ ! -d tests/node_modules/playwright-core ] ||
       [ tests/package-lock.json -nt tests/node_modules/.package-lock.json ]; then
        echo "deps: npm ci in tests/" >&2
        (cd tests && npm ci --no-audit --no-fund --loglevel=error >&2)
    fi
fi
