/**
 * The layer rule (eslint.config.js, boundaries) and the file-loop rule (.dependency-cruiser.cjs) catch what
 * they are for: an import pointing up a layer, and two modules importing each other. `npm run lint` runs
 * both over the real tree; these tests show each rule fails on a violation and passes the legal form.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cruise } from 'dependency-cruiser';
import { ESLint } from 'eslint';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';

/**
 * The project's ESLint config with only the boundaries rule, and without type information: the rule
 * resolves imports by path, and a type-aware parse of the whole project per probe cost ~20 s of CPU.
 */
const eslint = new ESLint({
  cwd: PACKAGE_ROOT,
  overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
  ruleFilter: ({ ruleId }) => ruleId === 'boundaries/dependencies',
});

/** Boundary messages ESLint gives `code` as if written at `file` (relative to the package); nothing is written. */
async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(PACKAGE_ROOT, file) });
  const messages = result?.messages ?? [];
  const fatal = messages.find((m) => m.fatal);
  if (fatal) throw new Error(fatal.message);
  return messages.filter((m) => m.ruleId === 'boundaries/dependencies').map((m) => m.message);
}

describe('the layer rule', () => {
  it('refuses an import from a lower layer up to a higher one', async () => {
    const errors = await boundaryErrors(
      'src/core/domain/probe.ts',
      "import { TrialPool } from '../../execution/pool.js';\nexport const probe = TrialPool;\n",
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/"core".*"execution"/);
  }, 180_000);

  it('allows the same import downwards', async () => {
    const errors = await boundaryErrors(
      'src/interfaces/cli/probe.ts',
      "import { TrialPool } from '../../execution/pool.js';\nexport const probe = TrialPool;\n",
    );
    expect(errors).toEqual([]);
  }, 180_000);

  it('lets a workflow name its activities by type only', async () => {
    const typeOnly = await boundaryErrors(
      'src/temporal/workflows/probe.ts',
      "import type { SweepActivities } from '../activities/index.js';\nexport type Probe = SweepActivities;\n",
    );
    const runtime = await boundaryErrors(
      'src/temporal/workflows/probe.ts',
      "import * as activities from '../activities/index.js';\nexport const probe = activities;\n",
    );
    expect(typeOnly).toEqual([]);
    expect(runtime).toHaveLength(1);
  }, 180_000);
});

describe('the file-loop rule', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'seedsweep-loop-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function violations(files: Record<string, string>): Promise<string[]> {
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
    const { default: config } = (await import(path.join(PACKAGE_ROOT, '.dependency-cruiser.cjs'))) as {
      default: { forbidden: unknown[] };
    };
    const result = await cruise([dir], { ruleSet: { forbidden: config.forbidden } as never, validate: true });
    const output = result.output as { summary: { violations: { rule: { name: string } }[] } };
    return output.summary.violations.map((v) => v.rule.name);
  }

  it('refuses two modules that import each other', async () => {
    expect(
      await violations({
        'a.js': "import { b } from './b.js';\nexport const a = () => b;\n",
        'b.js': "import { a } from './a.js';\nexport const b = () => a;\n",
      }),
    ).toContain('no-circular');
  }, 180_000);

  it('passes the same modules without the loop', async () => {
    expect(
      await violations({
        'a.js': "import { b } from './b.js';\nexport const a = () => b;\n",
        'b.js': 'export const b = () => 1;\n',
      }),
    ).toEqual([]);
  }, 180_000);
});
