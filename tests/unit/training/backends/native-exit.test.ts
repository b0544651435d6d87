import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nativeBuildStatus } from '../../../../src/training/backends/backend.js';

const native = nativeBuildStatus('tensorflow');
const CHILD = path.join(import.meta.dirname, 'native-exit-child.ts');

// A process whose training threads loaded libtensorflow while its main thread did not ended in
// "Segmentation fault" (exit status 139) after its last line: Node unloads a thread's addons when the
// thread ends. src/training/backends/native-library-pin.ts keeps the library loaded from the main thread.
describe.skipIf(!native.built)('a process that trained on the native backend in pool threads', () => {
  it('exits 0 by itself, not on a signal', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', CHILD], {
      cwd: path.resolve(import.meta.dirname, '../../../..'),
      env: { ...process.env, SEEDSWEEP_BACKEND: 'tensorflow', TF_CPP_MIN_LOG_LEVEL: '2' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(child.stdout).toContain('trained on tensorflow');
    expect({ signal: child.signal, status: child.status, stderr: child.stderr }).toMatchObject({
      signal: null,
      status: 0,
    });
  });
});
