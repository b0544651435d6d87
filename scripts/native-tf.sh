#!/usr/bin/env bash
# Builds TF.js's native TensorFlow backend (@tensorflow/tfjs-node, and -gpu on GPU hosts) from the npm
# and PyPI registries only. Those packages' own install step downloads libtensorflow and a prebuilt
# addon from Google's storage; here libtensorflow comes from PyPI's TensorFlow wheel and the addon is
# compiled with node-gyp against it and the installed Node's headers. Run by scripts/setup.sh after
# `npm ci` (which wipes the installed addon, so the install step always runs; download and compile
# are cached in .venv/libtensorflow). Also builds native/ (the seedsweep_tf addon) when it exists.
#
#   SEEDSWEEP_NATIVE_TF=0  skip (training then uses the wasm backend)
#   SEEDSWEEP_GPU=1 / 0    force the GPU / CPU build; default: GPU when `nvidia-smi -L` lists a GPU
#
# On failure it prints one line, "native TensorFlow backend not built: <reason>; training uses wasm",
# and exits 1; details are in .venv/libtensorflow/native-tf.log.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

# Pinned versions: TensorFlow's C library from PyPI, and the tfjs-node binding it was checked with.
TF_VERSION=2.21.0
TFJS_NODE_VERSION=4.22.0

VENV="$ROOT/.venv"
TF_ROOT="$VENV/libtensorflow"
LOG=/dev/null
STEP="checking prerequisites"
FAIL_REASON=""
exec 3>&1 # the terminal, for messages printed while a step's output goes to the log

fail() {
  FAIL_REASON=$1
  exit 1
}

on_exit() {
  local status=$?
  [ "$status" -eq 0 ] && return
  local reason=$FAIL_REASON
  if [ -z "$reason" ]; then
    reason="$STEP failed (exit status $status)"
    if [ "$LOG" != /dev/null ] && [ -s "$LOG" ]; then
      # The step's first error line (a compiler's, pip's), else its last line.
      local section detail
      section=$(awk -v marker="--- $STEP" '$0 == marker { out = "" ; next } { out = out $0 "\n" } END { printf "%s", out }' "$LOG")
      detail=$(printf '%s' "$section" | grep -i 'error' | grep -v 'gyp ERR!' | head -n 1 || true)
      [ -n "$detail" ] || detail=$(printf '%s' "$section" | grep -v '^[[:space:]]*$' | tail -n 1 || true)
      detail=$(printf '%s' "$detail" | sed "s|$ROOT/||g; s/^[[:space:]]*//" | cut -c1-200)
      [ -n "$detail" ] && reason+=": $detail"
    fi
  fi
  [ "$LOG" != /dev/null ] && reason+=" (log: ${LOG#"$ROOT"/})"
  echo "native TensorFlow backend not built: $reason; training uses wasm" >&3
}
trap on_exit EXIT
trap 'FAIL_REASON="interrupted"; exit 130' INT TERM

now() { echo "${EPOCHREALTIME/,/.}"; }
seconds_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# step <label> <command...>: runs the command with its output in the log and prints how long it took.
step() {
  STEP=$1
  shift
  local start
  start=$(now)
  echo "--- $STEP" >>"$LOG"
  "$@" >>"$LOG" 2>&1
  printf '  %-52s %6s s\n' "$STEP" "$(seconds_since "$start")"
}

if [ "${SEEDSWEEP_NATIVE_TF:-}" = 0 ]; then
  echo "native TensorFlow backend skipped: SEEDSWEEP_NATIVE_TF=0; training uses wasm"
  exit 0
fi

# --- prerequisites --------------------------------------------------------------------------------
[ "$(uname -s)" = Linux ] && [ "$(uname -m)" = x86_64 ] ||
  fail "only built on Linux x86_64 (this is $(uname -s) $(uname -m))"
[ -x "$VENV/bin/python" ] || fail "$VENV/bin/python not found (scripts/setup.sh creates .venv first)"
TFJS_NODE_DIR="$ROOT/node_modules/@tensorflow/tfjs-node"
[ -f "$TFJS_NODE_DIR/package.json" ] || fail "@tensorflow/tfjs-node is not installed (run npm ci)"
installed=$(node -p "require('$TFJS_NODE_DIR/package.json').version")
[ "$installed" = "$TFJS_NODE_VERSION" ] ||
  fail "@tensorflow/tfjs-node is $installed but this script is checked with $TFJS_NODE_VERSION (TFJS_NODE_VERSION in scripts/native-tf.sh)"
NODE_GYP="$ROOT/node_modules/.bin/node-gyp"
[ -x "$NODE_GYP" ] || fail "node-gyp is not installed (it is a devDependency: run npm ci)"
# --nodedir: the installed Node's own headers, so node-gyp downloads nothing.
NODE_DIR=$(dirname "$(dirname "$(node -p process.execPath)")")
[ -f "$NODE_DIR/include/node/node_api.h" ] || NODE_DIR=$(dirname "$(dirname "$(readlink -f "$(node -p process.execPath)")")")
[ -f "$NODE_DIR/include/node/node_api.h" ] && [ -f "$NODE_DIR/include/node/common.gypi" ] ||
  fail "the Node.js headers are missing ($NODE_DIR/include/node has no node_api.h/common.gypi; install Node from nodejs.org or your distro's nodejs-dev)"
command -v make >/dev/null && { command -v c++ >/dev/null || command -v g++ >/dev/null; } ||
  fail "no C++ toolchain (install g++ and make, e.g. apt-get install build-essential)"

case "${SEEDSWEEP_GPU:-}" in
  1) FLAVOUR=gpu ;;
  0) FLAVOUR=cpu ;;
  *) if command -v nvidia-smi >/dev/null && nvidia-smi -L 2>/dev/null | grep -q '^GPU '; then FLAVOUR=gpu; else FLAVOUR=cpu; fi ;;
esac
if [ "$FLAVOUR" = gpu ]; then WHEEL=tensorflow; else WHEEL=tensorflow-cpu; fi
PACKAGES=("@tensorflow/tfjs-node")
[ "$FLAVOUR" = gpu ] && PACKAGES+=("@tensorflow/tfjs-node-gpu")

mkdir -p "$TF_ROOT"
LOG="$TF_ROOT/native-tf.log"
: >"$LOG"
echo "native TensorFlow backend: $FLAVOUR build, TensorFlow $TF_VERSION (PyPI $WHEEL), @tensorflow/tfjs-node $TFJS_NODE_VERSION"

# --- libtensorflow from the PyPI wheel: .venv/libtensorflow/{include,lib} ---------------------------
LIB_STAMP="$WHEEL==$TF_VERSION"
DOWNLOAD="$TF_ROOT/download"

download_wheel() {
  rm -rf "$DOWNLOAD"
  "$VENV/bin/python" -m pip download --no-deps --disable-pip-version-check --progress-bar off \
    "$WHEEL==$TF_VERSION" -d "$DOWNLOAD"
}

# Only the C library, its framework library and the C API headers: ~1/3 of the wheel.
extract_wheel() {
  rm -rf "$TF_ROOT/staging"
  "$VENV/bin/python" - "$DOWNLOAD" "$TF_ROOT/staging" <<'PY'
import glob, os, shutil, sys, zipfile
download, staging = sys.argv[1:]
(wheel,) = glob.glob(os.path.join(download, "*.whl"))
wanted_libs = {"tensorflow/libtensorflow_cc.so.2", "tensorflow/libtensorflow_framework.so.2"}
header_dirs = (
    "tensorflow/include/tensorflow/c/",
    "tensorflow/include/tensorflow/core/platform/",  # ctstring.h, included by tf_tstring.h
    "tensorflow/include/tsl/",
    "tensorflow/include/xla/tsl/c/",
)
count = 0
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        name = info.filename
        if name in wanted_libs:
            target = os.path.join(staging, "lib", os.path.basename(name))
        elif name.startswith(header_dirs) and not name.endswith("/"):
            target = os.path.join(staging, "include", name[len("tensorflow/include/"):])
        else:
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with z.open(info) as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        count += 1
missing = [n for n in wanted_libs if not os.path.exists(os.path.join(staging, "lib", os.path.basename(n)))]
if missing or not os.path.exists(os.path.join(staging, "include/tensorflow/c/c_api.h")):
    sys.exit(f"{os.path.basename(wheel)} lacks {missing or 'tensorflow/c/c_api.h'}")
print(f"extracted {count} files from {os.path.basename(wheel)}")
PY
  ln -s libtensorflow_cc.so.2 "$TF_ROOT/staging/lib/libtensorflow.so"
  ln -s libtensorflow_framework.so.2 "$TF_ROOT/staging/lib/libtensorflow_framework.so"
}

# tensorflow[and-cuda]'s CUDA libraries (nvidia-* wheels) into .venv/libtensorflow/cuda, not into
# .venv's site-packages: nothing else in .venv changes. The wheel's libraries have RUNPATH
# $ORIGIN/../nvidia/<lib>/lib, so lib/../nvidia must lead to them.
install_cuda_libraries() {
  local requirements
  requirements=$("$VENV/bin/python" - "$DOWNLOAD" <<'PY'
import glob, os, re, sys, zipfile
(wheel,) = glob.glob(os.path.join(sys.argv[1], "*.whl"))
with zipfile.ZipFile(wheel) as z:
    (meta,) = [n for n in z.namelist() if n.endswith(".dist-info/METADATA")]
    for line in z.read(meta).decode().splitlines():
        m = re.match(r'Requires-Dist:\s*([^;]+);.*extra\s*==\s*"and-cuda"', line)
        if m:
            print(m.group(1).strip().replace(" ", ""))
PY
)
  [ -n "$requirements" ] || { echo "no and-cuda requirements in the wheel's METADATA"; return 1; }
  rm -rf "$TF_ROOT/staging-cuda"
  # shellcheck disable=SC2086 # one requirement per word
  "$VENV/bin/python" -m pip install --disable-pip-version-check --progress-bar off --target "$TF_ROOT/staging-cuda" $requirements
  rm -rf "$TF_ROOT/cuda" && mv "$TF_ROOT/staging-cuda" "$TF_ROOT/cuda"
  ln -sfn cuda/nvidia "$TF_ROOT/staging/nvidia"
}

commit_libtensorflow() {
  rm -rf "$TF_ROOT/include" "$TF_ROOT/lib" "$TF_ROOT/nvidia" "$TF_ROOT/tfjs-binding"
  mv "$TF_ROOT/staging/include" "$TF_ROOT/include"
  mv "$TF_ROOT/staging/lib" "$TF_ROOT/lib"
  if [ -L "$TF_ROOT/staging/nvidia" ]; then mv "$TF_ROOT/staging/nvidia" "$TF_ROOT/nvidia"; fi
  if [ "$FLAVOUR" = cpu ]; then rm -rf "$TF_ROOT/cuda"; fi
  rm -rf "$TF_ROOT/staging" "$DOWNLOAD"
  echo "$LIB_STAMP" >"$TF_ROOT/VERSION"
}

if [ "$(cat "$TF_ROOT/VERSION" 2>/dev/null)" = "$LIB_STAMP" ] && [ -f "$TF_ROOT/lib/libtensorflow_cc.so.2" ]; then
  echo "  libtensorflow $TF_VERSION ($WHEEL): already in ${TF_ROOT#"$ROOT"/}"
else
  step "download $WHEEL==$TF_VERSION from PyPI" download_wheel
  step "extract libtensorflow and C API headers" extract_wheel
  if [ "$FLAVOUR" = gpu ]; then step "install CUDA libraries (tensorflow[and-cuda])" install_cuda_libraries; fi
  commit_libtensorflow
fi

# --- the tfjs-node binding, compiled against it --------------------------------------------------
# node-pre-gyp's find() is how tfjs-node locates its addon: lib/napi-v<N>/tfjs_binding.node, N the
# highest N-API version both the package and this Node support.
binding_path() {
  node -e "
    const { createRequire } = require('module');
    const pkg = require.resolve('$1/package.json', { paths: ['$ROOT'] });
    console.log(createRequire(pkg)('@mapbox/node-pre-gyp').find(pkg));"
}
STEP="locating the tfjs-node addon path"
TARGET=$(binding_path @tensorflow/tfjs-node)
NAPI=$(basename "$(dirname "$TARGET")")
NAPI=${NAPI#napi-v}
BUILD="$TF_ROOT/tfjs-binding"
BUILD_STAMP="$LIB_STAMP tfjs-node@$TFJS_NODE_VERSION napi-v$NAPI"

compile_binding() {
  rm -rf "$BUILD"
  mkdir -p "$BUILD/deps"
  cp -r "$TFJS_NODE_DIR/binding" "$TFJS_NODE_DIR/binding.gyp" "$TFJS_NODE_DIR/package.json" "$BUILD/"
  ln -s "$TF_ROOT/include" "$BUILD/deps/include"
  ln -s "$TF_ROOT/lib" "$BUILD/deps/lib"
  (cd "$BUILD" && "$NODE_GYP" rebuild --nodedir="$NODE_DIR" --python="$VENV/bin/python" -j "$(nproc)" \
    --module_name=tfjs_binding --module_path="lib/napi-v$NAPI" --napi_build_version="$NAPI")
  echo "$BUILD_STAMP" >"$BUILD/VERSION"
}

if [ "$(cat "$BUILD/VERSION" 2>/dev/null)" = "$BUILD_STAMP" ] && [ -f "$BUILD/build/Release/tfjs_binding.node" ]; then
  echo "  tfjs_binding.node (napi-v$NAPI): already built in ${BUILD#"$ROOT"/}"
else
  step "compile tfjs_binding.node (node-gyp, napi-v$NAPI)" compile_binding
fi

# Into each package: the addon where find() looks, and deps/lib (the addon's RUNPATH is
# $ORIGIN/../../deps/lib) linking to the libraries.
install_binding() {
  local pkg dir target
  for pkg in "${PACKAGES[@]}"; do
    dir="$ROOT/node_modules/$pkg"
    [ -f "$dir/package.json" ] || { echo "$pkg is not installed"; return 1; }
    target=$(binding_path "$pkg")
    mkdir -p "$(dirname "$target")" "$dir/deps/lib"
    cp "$BUILD/build/Release/tfjs_binding.node" "$target"
    ln -sfn "$TF_ROOT/lib/libtensorflow_cc.so.2" "$dir/deps/lib/libtensorflow_cc.so.2"
    ln -sfn "$TF_ROOT/lib/libtensorflow_framework.so.2" "$dir/deps/lib/libtensorflow_framework.so.2"
    # $ORIGIN of the libraries may be deps/lib (the link) rather than their real folder.
    if [ -e "$TF_ROOT/nvidia" ]; then ln -sfn "$TF_ROOT/nvidia" "$dir/deps/nvidia"; fi
    echo "$pkg: ${target#"$ROOT"/}"
  done
}
step "install the addon into ${PACKAGES[*]}" install_binding

# Load it the way seedsweep does, in a fresh process.
check_binding() {
  local pkg
  for pkg in "${PACKAGES[@]}"; do
    TF_CPP_MIN_LOG_LEVEL=2 node -e "
      const tf = require('$pkg');
      const b = tf.backend();
      if (tf.getBackend() !== 'tensorflow') throw new Error('backend is ' + tf.getBackend());
      console.log('$pkg: TensorFlow ' + b.binding.TF_Version + ' on ' + (b.isUsingGpuDevice ? 'gpu' : 'cpu'));"
  done
}
step "load it (node -e \"require('@tensorflow/tfjs-node')\")" check_binding
grep -E '^@tensorflow/tfjs-node(-gpu)?: TensorFlow ' "$LOG" | sed 's/^/  /' || true

# --- native/: the seedsweep_tf addon, when it exists -----------------------------------------------
# Not fatal: the tfjs-node backend above works without it.
if [ -f "$ROOT/native/binding.gyp" ]; then
  STEP="compile native/ (seedsweep_tf.node)"
  start=$(now)
  echo "--- $STEP" >>"$LOG"
  # configure + build rather than rebuild: make recompiles only what changed.
  if "$NODE_GYP" configure --nodedir="$NODE_DIR" --python="$VENV/bin/python" -C "$ROOT/native" \
    --tf_root="$TF_ROOT" >>"$LOG" 2>&1 && "$NODE_GYP" build -j "$(nproc)" -C "$ROOT/native" >>"$LOG" 2>&1; then
    printf '  %-52s %6s s\n' "$STEP" "$(seconds_since "$start")"
  else
    echo "  seedsweep_tf addon not built: node-gyp failed in native/ (log: ${LOG#"$ROOT"/}); the tfjs-node backend is unaffected"
  fi
fi
echo "native TensorFlow backend ready ($FLAVOUR, TensorFlow $TF_VERSION, tfjs-node $TFJS_NODE_VERSION)"
