#!/usr/bin/env bash
# `make run`: create/upgrade ./data/frontdesk.db, load the demo data the first time
# (frontdesk demo does nothing when it is already there), print the demo accounts,
# and serve on http://127.0.0.1:8080.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${FRONTDESK_DATA_DIR:-./data}
listen=${FRONTDESK_LISTEN:-127.0.0.1:8080}
./build/frontdesk migrate --data-dir "$data" >/dev/null
./build/frontdesk demo --data-dir "$data"
echo
exec ./build/frontdesk serve --data-dir "$data" --listen "$listen"
