import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../../src/interfaces/cli/main.js';
import { parseSweepReference } from '../../../../src/interfaces/cli/sweep-argument.js';

afterEach(() => vi.restoreAllMocks());

describe('the sweep argument of status, report, export, compare, cancel, pause, resume', () => {
  it('is trimmed; empty or control characters are a UserError naming the argument', () => {
    expect(parseSweepReference('  quick-1 ')).toBe('quick-1');
    expect(() => parseSweepReference('   ')).toThrow(/sweep id is empty/);
    expect(() => parseSweepReference('a\nb', 'sweepB')).toThrow(/sweepB "a\\nb" has control characters/);
  });

  it.each([['status'], ['report'], ['export'], ['cancel'], ['pause'], ['resume']])(
    '`%s ""` prints one error line and exits 2 before reaching any server',
    async (command) => {
      const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      expect(await main(['node', 'seedsweep', command, ''])).toBe(2);
      const printed = stderr.mock.calls.map((c) => String(c[0])).join('');
      expect(printed).toMatch(/^error\[E_BAD_SWEEP_ID\]: .* is empty; pass a sweep id/);
      expect(printed.split('\n').filter(Boolean)).toHaveLength(1);
    },
  );

  it('checks both sweeps of compare', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await main(['node', 'seedsweep', 'compare', 'a', ' '])).toBe(2);
    expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toMatch(
      /error\[E_BAD_SWEEP_ID\]: sweepB is empty/,
    );
  });
});
