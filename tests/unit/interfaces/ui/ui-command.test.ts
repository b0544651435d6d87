/** `seedsweep ui` and `seedsweep unpause` on the command line: registered, flags checked at the edge. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildProgram, main } from '../../../../src/interfaces/cli/main.js';
import {
  exposedWarning,
  parseTemporalUi,
  parseUiHost,
  parseUiPort,
} from '../../../../src/interfaces/cli/commands/ui.js';
import { findTemporalUi, mlflowRunUrl, temporalWorkflowUrl } from '../../../../src/interfaces/ui/links.js';

afterEach(() => vi.restoreAllMocks());

describe('seedsweep ui / unpause commands', () => {
  it('registers ui (with --host, --port, --temporal-ui) and unpause <sweep-id>', () => {
    const program = buildProgram();
    const ui = program.commands.find((c) => c.name() === 'ui');
    expect(ui?.options.map((o) => o.long)).toEqual(['--host', '--port', '--temporal-ui']);
    const unpause = program.commands.find((c) => c.name() === 'unpause');
    expect(unpause?.registeredArguments.map((a) => a.name())).toEqual(['sweep-id']);
  });

  it('`unpause ""` prints one error line and exits 2 before reaching any server', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await main(['node', 'seedsweep', 'unpause', ' '])).toBe(2);
    const printed = stderr.mock.calls.map((c) => String(c[0])).join('');
    expect(printed).toMatch(/^error\[E_BAD_SWEEP_ID\]: sweep-id is empty/);
    expect(printed.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('checks --port, --host and --temporal-ui with one line naming the flag', () => {
    expect(parseUiPort('0')).toBe(0);
    expect(parseUiPort('8765')).toBe(8765);
    for (const bad of ['', '-1', '65536', '80.5', 'x']) expect(() => parseUiPort(bad)).toThrow(/--port/);
    expect(parseUiHost(' 0.0.0.0 ')).toBe('0.0.0.0');
    for (const bad of ['', 'http://x', 'a b', 'user@host']) expect(() => parseUiHost(bad)).toThrow(/--host/);
    expect(parseTemporalUi('http://127.0.0.1:8233/')).toBe('http://127.0.0.1:8233');
    for (const bad of ['127.0.0.1:8233', 'ftp://x', 'javascript:alert(1)'])
      expect(() => parseTemporalUi(bad)).toThrow(/--temporal-ui/);
  });

  it('warns that a non-loopback page has no authentication', () => {
    expect(exposedWarning('0.0.0.0')).toMatch(
      /^warning: listening on 0\.0\.0\.0, not loopback: .*no authentication/,
    );
  });

  it('links a run to the MLflow UI and a sweep to its workflow in the Temporal UI', async () => {
    expect(mlflowRunUrl('http://127.0.0.1:5000/', 'abc')).toBe('http://127.0.0.1:5000/#/runs/abc');
    expect(temporalWorkflowUrl('http://h:8233/', 'ns 1', 'a/b')).toBe(
      'http://h:8233/namespaces/ns%201/workflows/a%2Fb',
    );
    // No dev-server UI answers beside a closed port: no link.
    expect(await findTemporalUi('127.0.0.1:1')).toBeUndefined();
    expect(await findTemporalUi('not an address')).toBeUndefined();
  });
});
