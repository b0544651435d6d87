/**
 * The native TensorFlow pieces in the per-user cache (`<cache>/native`, made by `seedsweep setup`) and
 * how their folders are keyed, so that every project on the machine finds the same builds and a build
 * made for other inputs is never used:
 *
 *   libtensorflow/{include,lib,VERSION}   TensorFlow's C library from PyPI's wheel; VERSION `tensorflow-cpu==2.21.0`
 *   tfjs-binding/tfjs-node-<v>-napi-v<N>/  @tensorflow/tfjs-node's addon compiled against it (VERSION: its inputs)
 *   graph-addon/<key>/                     seedsweep's addon (native/), key = hash of its sources, TF, Node ABI
 *
 * File checks and hashing only: nothing here loads TensorFlow.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { nativeCacheDir, PACKAGE_ROOT } from '../../core/common/paths.js';

/** TensorFlow's version on PyPI that the native backend is built from. */
export const TF_VERSION = '2.21.0';
/** The @tensorflow/tfjs-node version whose binding sources are checked with {@link TF_VERSION}. */
export const TFJS_NODE_VERSION = '4.22.0';
/** The library files a tfjs-node package's `deps/lib` must link to (its addon's RUNPATH). */
export const TF_LIBRARIES = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'] as const;

/** The PyPI wheel of each flavour. */
export type TensorFlowFlavour = 'cpu' | 'gpu';
export function tensorflowWheel(flavour: TensorFlowFlavour): string {
  return flavour === 'gpu' ? 'tensorflow' : 'tensorflow-cpu';
}

/** `<cache>/native/libtensorflow`. */
export function libtensorflowDir(): string {
  return path.join(nativeCacheDir(), 'libtensorflow');
}

/** What a libtensorflow folder holds, e.g. `tensorflow-cpu==2.21.0`. */
export function libtensorflowStamp(flavour: TensorFlowFlavour): string {
  return `${tensorflowWheel(flavour)}==${TF_VERSION}`;
}

/** The stamp of the cached libtensorflow when its libraries are there, else undefined. */
export function installedLibtensorflow(dir: string = libtensorflowDir()): string | undefined {
  if (!TF_LIBRARIES.every((lib) => existsSync(path.join(dir, 'lib', lib)))) return undefined;
  try {
    return readFileSync(path.join(dir, 'VERSION'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The flavour a libtensorflow stamp was built from. */
export function stampFlavour(stamp: string): TensorFlowFlavour {
  return stamp.startsWith('tensorflow==') ? 'gpu' : 'cpu';
}

/** `<cache>/native/tfjs-binding/tfjs-node-<version>-napi-v<napi>`: where setup compiles tfjs-node's addon. */
export function tfjsBindingDir(tfjsNodeVersion: string, napi: number): string {
  return path.join(nativeCacheDir(), 'tfjs-binding', `tfjs-node-${tfjsNodeVersion}-napi-v${napi}`);
}

/** The inputs a compiled tfjs-node binding was built from (its folder's VERSION file). */
export function tfjsBindingStamp(libStamp: string, tfjsNodeVersion: string, napi: number): string {
  return `${libStamp} tfjs-node@${tfjsNodeVersion} napi-v${napi}`;
}

/** The compiled addon file in a {@link tfjsBindingDir}. */
export function tfjsBindingFile(dir: string): string {
  return path.join(dir, 'build', 'Release', 'tfjs_binding.node');
}

/**
 * The cached tfjs-node binding for this package version and N-API version, built against the cached
 * libtensorflow; undefined when setup has not built one for exactly these inputs.
 */
export function cachedTfjsBinding(tfjsNodeVersion: string, napi: number): string | undefined {
  const libStamp = installedLibtensorflow();
  if (libStamp === undefined) return undefined;
  const dir = tfjsBindingDir(tfjsNodeVersion, napi);
  const file = tfjsBindingFile(dir);
  try {
    const stamp = readFileSync(path.join(dir, 'VERSION'), 'utf8').trim();
    if (stamp !== tfjsBindingStamp(libStamp, tfjsNodeVersion, napi) || !existsSync(file)) return undefined;
  } catch {
    return undefined;
  }
  return file;
}

/** seedsweep's addon sources (native/ in the package). */
export function graphAddonSourceDir(root: string = PACKAGE_ROOT): string {
  return path.join(root, 'native');
}

/** The files the graph addon is compiled from. */
export const GRAPH_ADDON_SOURCES = ['binding.gyp', 'seedsweep_tf.cc'] as const;

/**
 * The cache key of the graph addon: a hash of its sources and of the libtensorflow it links, plus the
 * Node ABI (`abi115`), so a changed source, TensorFlow or Node builds a new one. Undefined when the
 * sources or the cached libtensorflow are missing.
 */
export function graphAddonKey(
  options: { sourceDir?: string; libStamp?: string | undefined; abi?: string } = {},
): string | undefined {
  const sourceDir = options.sourceDir ?? graphAddonSourceDir();
  const libStamp = 'libStamp' in options ? options.libStamp : installedLibtensorflow();
  if (libStamp === undefined) return undefined;
  const hash = createHash('sha256').update(libStamp);
  for (const file of GRAPH_ADDON_SOURCES) {
    try {
      hash.update(`\0${file}\0`).update(readFileSync(path.join(sourceDir, file)));
    } catch {
      return undefined;
    }
  }
  return `${hash.digest('hex').slice(0, 16)}-abi${options.abi ?? process.versions.modules}`;
}

/** `<cache>/native/graph-addon/<key>`: where setup builds the graph addon for `key`. */
export function graphAddonBuildDir(key: string): string {
  return path.join(nativeCacheDir(), 'graph-addon', key);
}

/** The compiled graph addon in a {@link graphAddonBuildDir}. */
export function graphAddonBuiltFile(dir: string): string {
  return path.join(dir, 'build', 'Release', 'seedsweep_tf.node');
}

/** The cached graph addon built from the current sources, TensorFlow and Node, if setup built it. */
export function cachedGraphAddon(): { file: string; exists: boolean } | undefined {
  const key = graphAddonKey();
  if (key === undefined) return undefined;
  const file = graphAddonBuiltFile(graphAddonBuildDir(key));
  return { file, exists: existsSync(file) };
}
