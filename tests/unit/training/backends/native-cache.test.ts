/**
 * The tfjs-node binding `seedsweep setup` compiled into the per-user cache goes into a package that
 * has none (what `npm ci` leaves), only when it was built for that package's version, N-API version
 * and the cached TensorFlow; and the graph addon's cache key follows its sources and the Node ABI.
 * File operations only, in temporary folders (nothing here loads TensorFlow).
 */
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { graphAddonKey, tfjsBindingStamp } from '../../../../src/training/backends/native-cache.js';
import { installCachedBinding } from '../../../../src/training/backends/native-probe.js';

const saved = process.env['SEEDSWEEP_CACHE_DIR'];
let cache: string;
let pkg: string;
const STAMP = 'tensorflow-cpu==2.21.0';

function writeFile(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

beforeEach(() => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-native-cache-'));
  cache = path.join(root, 'cache');
  process.env['SEEDSWEEP_CACHE_DIR'] = cache;
  const lib = path.join(cache, 'native', 'libtensorflow');
  writeFile(path.join(lib, 'lib', 'libtensorflow_cc.so.2'), 'cc');
  writeFile(path.join(lib, 'lib', 'libtensorflow_framework.so.2'), 'framework');
  writeFile(path.join(lib, 'VERSION'), `${STAMP}\n`);
  const binding = path.join(cache, 'native', 'tfjs-binding', 'tfjs-node-4.22.0-napi-v8');
  writeFile(path.join(binding, 'build', 'Release', 'tfjs_binding.node'), 'compiled addon');
  writeFile(path.join(binding, 'VERSION'), `${tfjsBindingStamp(STAMP, '4.22.0', 8)}\n`);
  pkg = path.join(root, 'project', 'node_modules', '@tensorflow', 'tfjs-node');
  writeFile(
    path.join(pkg, 'package.json'),
    JSON.stringify({ name: '@tensorflow/tfjs-node', version: '4.22.0' }),
  );
});

afterEach(() => {
  if (saved === undefined) delete process.env['SEEDSWEEP_CACHE_DIR'];
  else process.env['SEEDSWEEP_CACHE_DIR'] = saved;
});

const install = (napi = 8, gpu = false) =>
  installCachedBinding({
    manifest: path.join(pkg, 'package.json'),
    bindingPath: path.join(pkg, 'lib', `napi-v${napi}`, 'tfjs_binding.node'),
    gpu,
  });

describe('installing the cached tfjs-node binding', () => {
  it('copies the addon where node-pre-gyp looks and links deps/lib to the cached libtensorflow', () => {
    expect(install()).toBe(true);
    expect(readFileSync(path.join(pkg, 'lib', 'napi-v8', 'tfjs_binding.node'), 'utf8')).toBe(
      'compiled addon',
    );
    for (const lib of ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'])
      expect(readlinkSync(path.join(pkg, 'deps', 'lib', lib))).toBe(
        path.join(cache, 'native', 'libtensorflow', 'lib', lib),
      );
  });

  it('does again over an existing install', () => {
    expect(install()).toBe(true);
    expect(install()).toBe(true);
  });

  it('uses no binding built for another N-API version, TensorFlow or flavour', () => {
    expect(install(9)).toBe(false);
    expect(install(8, true)).toBe(false);
    writeFile(path.join(cache, 'native', 'libtensorflow', 'VERSION'), 'tensorflow-cpu==2.20.0\n');
    expect(install()).toBe(false);
  });

  it('does nothing for another tfjs-node version', () => {
    writeFile(path.join(pkg, 'package.json'), JSON.stringify({ version: '4.21.0' }));
    expect(install()).toBe(false);
  });
});

describe('the graph addon cache key', () => {
  it('changes with its sources, the TensorFlow and the Node ABI', () => {
    const sourceDir = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-addon-src-'));
    writeFile(path.join(sourceDir, 'binding.gyp'), '{}');
    writeFile(path.join(sourceDir, 'seedsweep_tf.cc'), 'int a;');
    const key = graphAddonKey({ sourceDir, libStamp: STAMP, abi: '115' });
    expect(key).toMatch(/^[0-9a-f]{16}-abi115$/);
    expect(graphAddonKey({ sourceDir, libStamp: STAMP, abi: '115' })).toBe(key);
    expect(graphAddonKey({ sourceDir, libStamp: STAMP, abi: '127' })).not.toBe(key);
    expect(graphAddonKey({ sourceDir, libStamp: 'tensorflow==2.21.0', abi: '115' })).not.toBe(key);
    writeFile(path.join(sourceDir, 'seedsweep_tf.cc'), 'int b;');
    expect(graphAddonKey({ sourceDir, libStamp: STAMP, abi: '115' })).not.toBe(key);
    expect(graphAddonKey({ sourceDir, libStamp: undefined })).toBeUndefined();
  });
});
