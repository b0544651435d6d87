/**
 * Hostile names and paths (issue 20, item 3): `../`, absolute paths, NUL, very long names, Windows
 * separators and device names, unicode look-alikes. Every one goes through the one rule
 * (src/core/common/safe-names.ts) and the places that turn names into paths (the export's default file
 * name, the report's default folder); whatever is accepted is written inside a temporary base folder,
 * and afterwards the base's parent holds nothing but the base: 0 files outside their folder.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { isUserError } from '../../../src/core/common/errors.js';
import {
  checkSafeName,
  isInside,
  isSafeName,
  MAX_NAME_LENGTH,
  resolveInside,
} from '../../../src/core/common/safe-names.js';
import { defaultParquetName } from '../../../src/interfaces/cli/commands/export.js';
import { reportDir } from '../../../src/interfaces/cli/commands/report.js';
import { checkFuzz } from '../../fuzz-support.js';

/** Hostile names in `npm test` (×10 under `npm run fuzz`). */
const RUNS = 2_000;

const TRICKS = [
  '..',
  '.',
  '../',
  '../../x',
  '/etc/passwd',
  '/',
  '//server/share',
  'C:\\Windows\\x',
  'C:x',
  '..\\..\\x',
  'a/../../b',
  'a/./../..',
  '\u0000',
  'a\u0000/../../b',
  'CON',
  'nul.txt',
  'COM1',
  'lpt9.log',
  'x.',
  'x ',
  ' x',
  '-rf',
  '~',
  '~/x',
  '$HOME',
  '%2e%2e%2f',
  '\u2025',
  '\uff0e\uff0e\uff0fx', // full-width "../x"
  '\u2215etc', // division slash
  '\u202eexe.txt', // right-to-left override
  'e\u0301', // combining accent
  '\ud800', // lone surrogate
];

const segment = fc.oneof(
  fc.constantFrom(...TRICKS),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/),
  fc.integer({ min: 100, max: 5_000 }).map((n) => 'n'.repeat(n)),
);

/** Names and relative/absolute paths built from hostile segments and separators. */
const hostileName = fc.oneof(
  segment,
  fc
    .tuple(
      fc.array(segment, { minLength: 1, maxLength: 5 }),
      fc.constantFrom('/', '\\', '/../', ''),
      fc.boolean(),
    )
    .map(([parts, sep, absolute]) => `${absolute ? '/' : ''}${parts.join(sep)}`),
);

const tally = { tried: 0, accepted: 0, refused: 0 };

describe('safe names and paths under hostile input', () => {
  const outer = mkdtempSync(path.join(tmpdir(), 'seedsweep-names-'));
  const base = path.join(outer, 'base');
  mkdirSync(base);
  afterAll(() => {
    console.log(
      'surface | inputs tried | accepted (written inside) | clear errors | crashes | outside the folder',
    );
    console.log(`names/paths | ${tally.tried} | ${tally.accepted} | ${tally.refused} | 0 | 0`);
    rmSync(outer, { recursive: true, force: true });
  });

  /** Runs `f`; a thrown value must be a UserError with one of `codes`. */
  function clearly<T>(f: () => T, codes: string[]): T | undefined {
    try {
      return f();
    } catch (error) {
      if (!isUserError(error))
        throw new Error(`not a UserError: ${String((error as Error)?.stack ?? error)}`);
      expect(codes).toContain(error.code);
      return undefined;
    }
  }

  it('accepts only one-segment names and writes only inside the base folder', async () => {
    await checkFuzz(
      'safe-names',
      fc.property(hostileName, (name) => {
        tally.tried += 1;
        // The name rule: a safe name is one short segment that is neither `.` nor `..`.
        const safe = clearly(() => checkSafeName(name, 'name'), ['E_UNSAFE_NAME']);
        expect(safe === undefined).toBe(!isSafeName(name));
        if (safe !== undefined) {
          expect(path.basename(safe)).toBe(safe);
          expect(safe.length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
          expect(['.', '..']).not.toContain(safe);
        }
        // The resolver: inside the base, or E_PATH_ESCAPE.
        const target = clearly(() => resolveInside(base, name), ['E_PATH_ESCAPE']);
        if (target !== undefined) {
          expect(isInside(base, target)).toBe(true);
          // What an accepted path writes lands under the base (the file system may still refuse a
          // 5,000-character segment: that is ENAMETOOLONG inside the base, not an escape).
          if (target !== base) {
            try {
              mkdirSync(path.dirname(target), { recursive: true });
              writeFileSync(target, 'x');
              tally.accepted += 1;
            } catch (error) {
              expect(['ENAMETOOLONG', 'EISDIR', 'ENOTDIR', 'EEXIST']).toContain(
                (error as NodeJS.ErrnoException).code,
              );
              tally.refused += 1;
            }
          } else tally.refused += 1;
        } else tally.refused += 1;
        // Names made from a sweep reference: the export's default file and the report's default folder.
        const parquet = defaultParquetName(name, name.length % 2 === 0);
        expect(isSafeName(parquet)).toBe(true);
        const dir = clearly(() => reportDir(name, undefined, base), ['E_UNSAFE_NAME']);
        if (dir !== undefined) expect(isInside(path.join(base, 'reports'), dir)).toBe(true);
      }),
      RUNS,
    );
    // Nothing was written next to the base folder (or anywhere above it under the temporary folder).
    expect(readdirSync(outer)).toEqual(['base']);
  });

  it('refuses the classic escapes with a stable code', () => {
    for (const name of ['../x', '/etc/passwd', 'a/../../x', '..']) {
      expect(() => resolveInside(base, name)).toThrow(expect.objectContaining({ code: 'E_PATH_ESCAPE' }));
    }
    expect(() => resolveInside(base, 'a\u0000b')).toThrow(expect.objectContaining({ code: 'E_PATH_ESCAPE' }));
    for (const name of ['..', 'a/b', 'a\\b', 'CON', 'x.', 'n'.repeat(MAX_NAME_LENGTH + 1), '', '\u0000']) {
      expect(() => checkSafeName(name, 'sweep name')).toThrow(
        expect.objectContaining({ code: 'E_UNSAFE_NAME' }),
      );
    }
    expect(resolveInside(base, 'reports', 'x.html')).toBe(path.join(base, 'reports', 'x.html'));
    expect(reportDir('my-sweep-1a2b', undefined, base)).toBe(path.join(base, 'reports', 'my-sweep-1a2b'));
    expect(() => reportDir('../../x', undefined, base)).toThrow(
      expect.objectContaining({ code: 'E_UNSAFE_NAME' }),
    );
    // --out is the user's own choice of place, anywhere but NUL.
    expect(reportDir('x', '/tmp/elsewhere', base)).toBe('/tmp/elsewhere');
    expect(() => reportDir('x', 'a\u0000b', base)).toThrow(
      expect.objectContaining({ code: 'E_BAD_ARGUMENT' }),
    );
  });
});
