/**
 * The CLI run in this process, as `main()` runs it, with what it writes captured and `env` stubbed
 * (undone by the caller's `vi.unstubAllEnvs()`): for tests of its answers that need no child process.
 */
import { vi } from 'vitest';
import { main } from '../../../../src/interfaces/cli/main.js';

export async function runCliInProcess(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk) => ((stderr += String(chunk)), true));
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  try {
    const code = await main(['node', 'seedsweep', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
