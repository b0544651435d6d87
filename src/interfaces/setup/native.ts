/**
 * Builds TF.js's native TensorFlow backend into the per-user cache from the registries only (the
 * layout is src/training/backends/native-cache.ts): libtensorflow from PyPI's TensorFlow wheel, @tensorflow/tfjs-node's
 * addon and seedsweep's graph addon (native/) compiled against it with node-gyp and the installed
 * Node's own headers (`--nodedir`: nothing is downloaded). tfjs-node's own install step would download
 * libtensorflow and a prebuilt addon from Google's storage instead; it stays denied.
 *
 * Each piece is built in a staging folder and renamed into place, and skipped when the cache already
 * holds it for the same inputs. A failure here only means training on wasm.
 */
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { cacheVenvBinDir, PACKAGE_ROOT } from '../../core/common/paths.js';
import {
  cachedTfjsBinding,
  GRAPH_ADDON_SOURCES,
  graphAddonBuildDir,
  graphAddonBuiltFile,
  graphAddonKey,
  graphAddonSourceDir,
  installedLibtensorflow,
  libtensorflowDir,
  libtensorflowStamp,
  TF_LIBRARIES,
  TF_VERSION,
  TFJS_NODE_VERSION,
  tensorflowWheel,
  tfjsBindingDir,
  tfjsBindingFile,
  tfjsBindingStamp,
  type TensorFlowFlavour,
} from '../../training/backends/native-cache.js';
import { installCachedBinding, NATIVE_PACKAGES } from '../../training/backends/native-probe.js';
import { pythonCommand } from './servers.js';
import { runLogged, StepFailure, type StepLog } from './steps.js';

const requireFromPackage = createRequire(path.join(PACKAGE_ROOT, 'package.json'));

/** The build flavour: `SEEDSWEEP_GPU=1`/`0`, else GPU when `nvidia-smi -L` lists one (checked by the caller). */
export function requestedFlavour(
  env: NodeJS.ProcessEnv = process.env,
  hasGpu: () => boolean,
): TensorFlowFlavour {
  if (env['SEEDSWEEP_GPU'] === '1') return 'gpu';
  if (env['SEEDSWEEP_GPU'] === '0') return 'cpu';
  return hasGpu() ? 'gpu' : 'cpu';
}

/** The Python that runs pip and node-gyp: the cache venv's, else the system one. */
function python(): string {
  const venvPython = path.join(cacheVenvBinDir(), 'python');
  return existsSync(venvPython) ? venvPython : pythonCommand();
}

/** What the builds need that is not downloaded: Linux x86_64, Node's headers, a C++ toolchain, node-gyp. */
export interface BuildTools {
  nodeDir: string;
  nodeGyp: string;
}

/** Checks the prerequisites; throws a StepFailure saying what is missing and how to get it. */
export function buildTools(which: (command: string) => boolean): BuildTools {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new StepFailure(`only built on Linux x86_64 (this is ${process.platform} ${process.arch})`);
  // --nodedir: the installed Node's own headers, so node-gyp downloads nothing.
  const candidates = [path.dirname(path.dirname(process.execPath))];
  try {
    candidates.push(path.dirname(path.dirname(realpathSync(process.execPath))));
  } catch {
    // keep the first
  }
  const nodeDir = candidates.find(
    (dir) =>
      existsSync(path.join(dir, 'include', 'node', 'node_api.h')) &&
      existsSync(path.join(dir, 'include', 'node', 'common.gypi')),
  );
  if (nodeDir === undefined)
    throw new StepFailure(
      `the Node.js headers are missing (${candidates[0]}/include/node has no node_api.h/common.gypi); install Node from nodejs.org or your distribution's nodejs-dev`,
    );
  if (!which('make') || !(which('c++') || which('g++')))
    throw new StepFailure('no C++ toolchain: install g++ and make (e.g. apt-get install build-essential)');
  let nodeGyp: string;
  try {
    nodeGyp = requireFromPackage.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    throw new StepFailure('node-gyp is not installed (a dependency of seedsweep): reinstall seedsweep');
  }
  return { nodeDir, nodeGyp };
}

// Only the C library, its framework library and the C API headers: about a third of the wheel.
const EXTRACT_LIBTENSORFLOW = `
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
    sys.exit(f"error: {os.path.basename(wheel)} lacks {missing or 'tensorflow/c/c_api.h'}")
print(f"extracted {count} files from {os.path.basename(wheel)}")
`;

// tensorflow[and-cuda]'s CUDA requirements, read from the wheel's METADATA.
const CUDA_REQUIREMENTS = `
import glob, os, re, sys, zipfile
(wheel,) = glob.glob(os.path.join(sys.argv[1], "*.whl"))
with zipfile.ZipFile(wheel) as z:
    (meta,) = [n for n in z.namelist() if n.endswith(".dist-info/METADATA")]
    for line in z.read(meta).decode().splitlines():
        m = re.match(r'Requires-Dist:\\s*([^;]+);.*extra\\s*==\\s*"and-cuda"', line)
        if m:
            print(m.group(1).strip().replace(" ", ""))
`;

/** A fresh staging folder next to `target` (same file system, so it can be renamed into place). */
function staging(target: string): string {
  const dir = `${target}.staging-${process.pid}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Moves a finished staging folder to `target`, replacing what was there. */
function commit(stage: string, target: string): void {
  rmSync(target, { recursive: true, force: true });
  mkdirSync(path.dirname(target), { recursive: true });
  renameSync(stage, target);
}

/** libtensorflow of `flavour` in the cache, downloaded and extracted unless already there. */
export async function installLibtensorflow(
  log: StepLog,
  flavour: TensorFlowFlavour,
): Promise<string | { skipped: string }> {
  const target = libtensorflowDir();
  const stamp = libtensorflowStamp(flavour);
  if (installedLibtensorflow(target) === stamp)
    return { skipped: `TensorFlow ${TF_VERSION} (${stamp}) in ${target}` };
  const stage = staging(target);
  try {
    const download = path.join(stage, 'download');
    await runLogged(log, python(), [
      '-m',
      'pip',
      'download',
      '--no-deps',
      '--disable-pip-version-check',
      '--progress-bar',
      'off',
      stamp,
      '-d',
      download,
    ]);
    await runLogged(log, python(), ['-', download, stage], { input: EXTRACT_LIBTENSORFLOW });
    symlinkSync('libtensorflow_cc.so.2', path.join(stage, 'lib', 'libtensorflow.so'));
    symlinkSync('libtensorflow_framework.so.2', path.join(stage, 'lib', 'libtensorflow_framework.so'));
    if (flavour === 'gpu') {
      // CUDA libraries (nvidia-* wheels) into libtensorflow/cuda; the wheel's libraries look for them at
      // $ORIGIN/../nvidia/<lib>/lib (their RUNPATH), so lib/../nvidia must lead to them.
      const requirements = (await runLogged(log, python(), ['-', download], { input: CUDA_REQUIREMENTS }))
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '');
      if (requirements.length === 0)
        throw new StepFailure("no and-cuda requirements in the wheel's METADATA", log.file);
      await runLogged(log, python(), [
        '-m',
        'pip',
        'install',
        '--disable-pip-version-check',
        '--progress-bar',
        'off',
        '--target',
        path.join(stage, 'cuda'),
        ...requirements,
      ]);
      symlinkSync('cuda/nvidia', path.join(stage, 'nvidia'));
    }
    rmSync(download, { recursive: true, force: true });
    writeFileSync(path.join(stage, 'VERSION'), `${stamp}\n`);
    commit(stage, target);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  return `TensorFlow ${TF_VERSION} (PyPI ${tensorflowWheel(flavour)}) in ${target}`;
}

/** A tfjs-node package of this project: its folder, version and where node-pre-gyp looks for its addon. */
interface TfjsNodePackage {
  name: string;
  dir: string;
  manifest: string;
  version: string;
  bindingPath: string;
  napi: number;
}

function locateTfjsNode(name: string): TfjsNodePackage {
  let manifest: string;
  try {
    manifest = requireFromPackage.resolve(`${name}/package.json`);
  } catch {
    throw new StepFailure(`${name} is not installed`);
  }
  const version = (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  const preGyp = createRequire(manifest)('@mapbox/node-pre-gyp') as { find(packageJson: string): string };
  const bindingPath = preGyp.find(manifest);
  const napi = Number(/napi-v(\d+)$/.exec(path.dirname(bindingPath))?.[1]);
  return { name, dir: path.dirname(manifest), manifest, version, bindingPath, napi };
}

/** Compiles tfjs-node's addon against the cached libtensorflow, unless the cache has it for these inputs. */
export async function compileTfjsBinding(
  log: StepLog,
  tools: BuildTools,
): Promise<string | { skipped: string }> {
  const pkg = locateTfjsNode(NATIVE_PACKAGES.tensorflow);
  if (pkg.version !== TFJS_NODE_VERSION)
    throw new StepFailure(
      `@tensorflow/tfjs-node is ${pkg.version} but seedsweep's build is checked with ${TFJS_NODE_VERSION}; install that version`,
    );
  const libStamp = installedLibtensorflow();
  if (libStamp === undefined) throw new StepFailure('libtensorflow is not in the cache (its step failed)');
  const target = tfjsBindingDir(pkg.version, pkg.napi);
  if (cachedTfjsBinding(pkg.version, pkg.napi)) return { skipped: `napi-v${pkg.napi} in ${target}` };
  const stage = staging(target);
  try {
    cpSync(path.join(pkg.dir, 'binding'), path.join(stage, 'binding'), { recursive: true });
    for (const file of ['binding.gyp', 'package.json'])
      cpSync(path.join(pkg.dir, file), path.join(stage, file));
    mkdirSync(path.join(stage, 'deps'));
    symlinkSync(path.join(libtensorflowDir(), 'include'), path.join(stage, 'deps', 'include'));
    symlinkSync(path.join(libtensorflowDir(), 'lib'), path.join(stage, 'deps', 'lib'));
    await runLogged(
      log,
      process.execPath,
      [
        tools.nodeGyp,
        'rebuild',
        `--nodedir=${tools.nodeDir}`,
        `--python=${python()}`,
        '-j',
        String(os.availableParallelism()),
        '--module_name=tfjs_binding',
        `--module_path=lib/napi-v${pkg.napi}`,
        `--napi_build_version=${pkg.napi}`,
      ],
      { cwd: stage },
    );
    writeFileSync(path.join(stage, 'VERSION'), `${tfjsBindingStamp(libStamp, pkg.version, pkg.napi)}\n`);
    if (!existsSync(tfjsBindingFile(stage)))
      throw new StepFailure('node-gyp made no tfjs_binding.node', log.file);
    commit(stage, target);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  return `napi-v${pkg.napi} in ${target}`;
}

function sameFile(a: string, b: string): boolean {
  try {
    const hash = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
    return hash(a) === hash(b);
  } catch {
    return false;
  }
}

/**
 * Puts the cached binding into this project's tfjs-node package(s) (replacing any other build, e.g. one
 * against another TensorFlow) and loads each in a fresh process, as seedsweep does.
 */
export async function installTfjsBinding(
  log: StepLog,
  flavour: TensorFlowFlavour,
): Promise<string | { skipped: string }> {
  const names = [
    NATIVE_PACKAGES.tensorflow,
    ...(flavour === 'gpu' ? [NATIVE_PACKAGES['tensorflow-gpu']] : []),
  ];
  const lines: string[] = [];
  let changed = false;
  for (const name of names) {
    const pkg = locateTfjsNode(name);
    const cached = cachedTfjsBinding(pkg.version, pkg.napi);
    if (cached === undefined)
      throw new StepFailure(`no cached binding for ${name}@${pkg.version} napi-v${pkg.napi}`);
    const linked = TF_LIBRARIES.every((lib) => {
      try {
        return (
          realpathSync(path.join(pkg.dir, 'deps', 'lib', lib)) ===
          realpathSync(path.join(libtensorflowDir(), 'lib', lib))
        );
      } catch {
        return false;
      }
    });
    if (!(linked && sameFile(pkg.bindingPath, cached))) {
      rmSync(pkg.bindingPath, { force: true });
      if (
        !installCachedBinding({
          manifest: pkg.manifest,
          bindingPath: pkg.bindingPath,
          gpu: name !== NATIVE_PACKAGES.tensorflow,
        })
      )
        throw new StepFailure(`could not install the binding into ${pkg.dir}`);
      changed = true;
    }
    lines.push(`${name} (${path.relative(process.cwd(), pkg.bindingPath) || pkg.bindingPath})`);
  }
  if (!changed) return { skipped: lines.join(', ') };
  for (const name of names) {
    const dir = locateTfjsNode(name).dir;
    const out = await runLogged(
      log,
      process.execPath,
      [
        '-e',
        `const tf = require(${JSON.stringify(dir)});
         if (tf.getBackend() !== 'tensorflow') throw new Error('error: backend is ' + tf.getBackend());
         console.log('TensorFlow ' + tf.backend().binding.TF_Version);`,
      ],
      { env: { TF_CPP_MIN_LOG_LEVEL: '2' } },
    );
    lines.push(out.trim().split('\n').pop() ?? '');
  }
  return lines.join(', ');
}

/** Compiles seedsweep's graph addon (native/) against the cached libtensorflow, keyed by its inputs. */
export async function compileGraphAddon(
  log: StepLog,
  tools: BuildTools,
): Promise<string | { skipped: string }> {
  const sources = graphAddonSourceDir();
  if (!existsSync(path.join(sources, 'binding.gyp'))) throw new StepFailure(`no addon sources in ${sources}`);
  const key = graphAddonKey();
  if (key === undefined) throw new StepFailure('libtensorflow is not in the cache (its step failed)');
  const target = graphAddonBuildDir(key);
  if (existsSync(graphAddonBuiltFile(target))) return { skipped: graphAddonBuiltFile(target) };
  const stage = staging(target);
  try {
    for (const file of GRAPH_ADDON_SOURCES) cpSync(path.join(sources, file), path.join(stage, file));
    await runLogged(
      log,
      process.execPath,
      [
        tools.nodeGyp,
        'configure',
        `--nodedir=${tools.nodeDir}`,
        `--python=${python()}`,
        `--tf_root=${libtensorflowDir()}`,
      ],
      { cwd: stage },
    );
    await runLogged(
      log,
      process.execPath,
      [tools.nodeGyp, 'build', '-j', String(os.availableParallelism())],
      {
        cwd: stage,
      },
    );
    commit(stage, target);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  return graphAddonBuiltFile(target);
}
