/**
 * Generated-input ("fuzz") properties for the test suite and `npm run fuzz`, on fast-check.
 *
 * In `npm test` every property runs a bounded number of cases from a fixed seed per surface, so a
 * failure reproduces; `npm run fuzz` sets SEEDSWEEP_FUZZ_SCALE (more cases) and a fresh seed. Either
 * way the seed and the count are printed. A failing case is shrunk by fast-check and saved to
 * tests/fixtures/fuzz-regressions/<surface>.json; saved cases run first on every later run, so a
 * regression found once stays checked after the seed moves on.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';

const REGRESSION_DIR = path.join(import.meta.dirname, 'fixtures', 'fuzz-regressions');

/** How many cases and from which seed a surface runs now. */
export interface FuzzPlan {
  surface: string;
  seed: number;
  numRuns: number;
}

/** A saved failing case: replayed through fast-check's seed + path, the shrunk value kept for reading. */
interface SavedCase {
  seed: number;
  path: string;
  counterexample: string;
  error: string;
}

/**
 * The seed and count for `surface`: `runs` cases from a seed derived from the surface's name, or
 * `runs × SEEDSWEEP_FUZZ_SCALE` cases from SEEDSWEEP_FUZZ_SEED (or a fresh seed) under `npm run fuzz`.
 */
export function fuzzPlan(surface: string, runs: number): FuzzPlan {
  const scale = Number(process.env['SEEDSWEEP_FUZZ_SCALE'] ?? 1);
  const seedEnv = process.env['SEEDSWEEP_FUZZ_SEED'];
  const fixed = createHash('sha256').update(surface).digest().readInt32LE(0);
  const seed =
    seedEnv !== undefined && seedEnv !== ''
      ? Number(seedEnv)
      : scale > 1
        ? Math.floor(Math.random() * 2 ** 31)
        : fixed;
  const numRuns = Math.max(1, Math.round(runs * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
  console.log(`fuzz ${surface}: seed ${seed}, ${numRuns} cases (SEEDSWEEP_FUZZ_SEED=${seed} reproduces)`);
  return { surface, seed, numRuns };
}

function regressionFile(surface: string): string {
  return path.join(REGRESSION_DIR, `${surface.replace(/[^a-z0-9-]+/gi, '-')}.json`);
}

function savedCases(surface: string): SavedCase[] {
  const file = regressionFile(surface);
  if (!existsSync(file)) return [];
  return JSON.parse(readFileSync(file, 'utf8')) as SavedCase[];
}

function saveCase(surface: string, found: SavedCase): void {
  const cases = savedCases(surface).filter((c) => !(c.seed === found.seed && c.path === found.path));
  mkdirSync(REGRESSION_DIR, { recursive: true });
  writeFileSync(regressionFile(surface), `${JSON.stringify([...cases, found], null, 2)}\n`);
}

type Property<T> = fc.IProperty<T> | fc.IAsyncProperty<T>;

/**
 * Checks `property` on the surface's saved regression cases, then on `runs` generated cases (scaled
 * under `npm run fuzz`). A failure is shrunk, saved as a regression case, and thrown with its
 * counterexample, seed and path. Returns the number of generated cases that ran.
 */
export async function checkFuzz<T>(
  surface: string,
  property: Property<T>,
  runs: number,
  options: { timeoutMs?: number } = {},
): Promise<number> {
  for (const saved of savedCases(surface)) {
    const replay = await fc.check(property as fc.IAsyncProperty<T>, {
      seed: saved.seed,
      path: saved.path,
      endOnFailure: true,
    });
    if (replay.failed) {
      throw new Error(
        `fuzz ${surface}: saved regression case fails again (seed ${saved.seed}, path ${saved.path}): ` +
          `${fc.stringify(replay.counterexample)}\n${String(replay.errorInstance ?? '')}`,
      );
    }
  }
  const plan = fuzzPlan(surface, runs);
  const result = await fc.check(property as fc.IAsyncProperty<T>, {
    seed: plan.seed,
    numRuns: plan.numRuns,
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
  });
  if (result.failed) {
    const found: SavedCase = {
      seed: result.seed,
      path: result.counterexamplePath ?? '',
      counterexample: fc.stringify(result.counterexample),
      error: String(result.errorInstance ?? '').slice(0, 2000),
    };
    saveCase(surface, found);
    throw new Error(
      `fuzz ${surface}: failed after ${result.numRuns} cases, shrunk ${result.numShrinks} times; saved to ` +
        `${path.relative(process.cwd(), regressionFile(surface))}\ncounterexample: ${found.counterexample}\n${found.error}`,
    );
  }
  return result.numRuns;
}
