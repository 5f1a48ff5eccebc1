#!/usr/bin/env bash
# The shared library exports the public API only: every defined dynamic
# symbol carries the ks_ prefix (like SQLite's `checksymbols`).
set -eu
lib=$1
bad=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^ks_' || true)
n=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -c '^ks_' || true)
if [ -n "$bad" ]; then
    echo "symbols exported without the ks_ prefix from $lib:" >&2
    echo "$bad" >&2
    exit 1
fi
if [ "$n" -lt 10 ]; then
    echo "only $n ks_ symbols exported from $lib: is KS_API missing?" >&2
    exit 1
fi
echo "exports: $n passed, 0 failed"
