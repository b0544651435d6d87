#!/usr/bin/env bash
# Sets up a checkout of seedsweep: npm packages, the compiled CLI in dist/, then `seedsweep setup` (the
# installer users run too: temporal and mlflow from PyPI and the native TensorFlow backend, into the
# per-user cache shared by every project, SEEDSWEEP_CACHE_DIR, default ~/.cache/seedsweep), a .venv
# link to the cache's venv for the scripts that call .venv/bin, and chromium for the HTML-report test.
# Safe to run again. SEEDSWEEP_NATIVE_TF=0 skips the native backend; SEEDSWEEP_GPU=1 builds the CUDA one.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> npm packages"
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi

echo "==> build"
npm run --silent build

echo "==> seedsweep setup (temporal, mlflow and the native TensorFlow backend, into the per-user cache)"
# Exits non-zero only when the servers could not be installed; a native build failure means wasm.
node bin/seedsweep.js setup

# An existing .venv (a real folder of an older setup) is left alone: it is looked in first.
if [ ! -e .venv ] || [ -L .venv ]; then
  ln -sfn "$(node --input-type=module -e "console.log((await import('./dist/core/common/paths.js')).cacheVenvDir())")" .venv
fi

echo "==> chromium (the HTML report test drives it through playwright-core)"
if command -v chromium >/dev/null 2>&1 || [ -n "${CHROMIUM_PATH:-}" ]; then
  echo "found"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "not found: install Debian's chromium (sudo apt-get install chromium) or set CHROMIUM_PATH; only the HTML report test needs it"
fi
echo "==> seedsweep is ready: npx seedsweep --help (npx seedsweep doctor shows what is installed)"
