#!/usr/bin/env bash
# Bans C functions that STYLE.md rules out (unbounded or unchecked), in src/ and bench/.
# Prints each hit as file:line and exits 1 when there is any.
set -u
cd "$(dirname "$0")/.."
banned='gets|sprintf|vsprintf|strcpy|strcat|strncpy|strncat|strtok|atoi|atol|sscanf'
hits=$(grep -rnE "(^|[^A-Za-z0-9_])($banned)[[:space:]]*\(" src bench --include='*.c' --include='*.h' || true)
if [ -n "$hits" ]; then
    echo "$hits"
    echo "checksrc: banned functions used (see STYLE.md section 5)" >&2
    exit 1
fi
