#!/bin/sh
# Builds the dashboard into OUT (CMake's web target; `kesu serve` serves
# OUT). Installs the locked npm packages first when they are missing or
# older than package-lock.json. No browser is downloaded: the browser
# tests drive Debian's chromium.
set -eu
out=${1:?usage: web/build.sh OUT_DIR}
cd "$(dirname "$0")"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
    npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
    touch node_modules
fi
exec node node_modules/vite/bin/vite.js build --logLevel warn \
    --outDir "$out" --emptyOutDir
