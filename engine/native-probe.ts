/**
 * Whether a native TensorFlow backend is installed on this host, from files alone (loading
 * libtensorflow takes a second and 800 MB of mappings; a sweep submitter only needs to know whether
 * `bash scripts/setup.sh` built it). The worker that trains still loads it for real and fails the
 * trial with a clear error if the files lie.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { BackendName } from '../domain/backends.js';

const require = createRequire(import.meta.url);

const PACKAGES: Partial<Record<BackendName, string>> = {
  [BackendName.tensorflow]: '@tensorflow/tfjs-node',
  [BackendName.tensorflowGpu]: '@tensorflow/tfjs-node-gpu',
};

/** Why `backend` is not installed here, or undefined when its binding and libtensorflow are in place. */
export function nativeBackendMissing(backend: BackendName): string | undefined {
  const pkg = PACKAGES[backend];
  if (pkg === undefined) return undefined;
  let root: string;
  try {
    root = path.dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    return `${pkg} is not installed`;
  }
  const lib = path.join(root, 'lib');
  const bindings = existsSync(lib)
    ? readdirSync(lib).filter((dir) => existsSync(path.join(lib, dir, 'tfjs_binding.node')))
    : [];
  if (bindings.length === 0) return `${pkg} has no compiled binding (lib/napi-v*/tfjs_binding.node)`;
  if (!existsSync(path.join(root, 'deps', 'lib', 'libtensorflow_cc.so.2')))
    return `${pkg} has no libtensorflow in deps/lib`;
  return undefined;
}
