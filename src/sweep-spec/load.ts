/**
 * Loading sweep specs: YAML (kept with positions) → zod schema → semantic checks → `SweepSpec`.
 * Every problem is reported at once, each with file, line, column, field path, what was found and
 * what was expected.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isScalar, LineCounter, parse as parseYaml, parseDocument } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { z, ZodType } from 'zod';
import { UserError } from '../core/common/errors.js';
import { importExport, parseModuleRef } from '../core/common/user-module.js';
import { isDatasetPlugin } from '../core/domain/dataset.js';
import { TRAINABLE_EXPORT_HINT, trainableOf } from '../core/domain/trainable.js';
import { PACKAGE_ROOT } from '../core/common/paths.js';
import { imageClassifierParams } from '../models/image-classifier/params.js';
import { checkSpecParts, checkSweepSpec } from './check.js';
import { checkVariantValues } from './check-params.js';
import { describeFound, formatPath, SpecError } from './errors.js';
import type { SpecPath, SpecProblem } from './errors.js';
import {
  KNOWN_KEYS,
  sweepFileSchema,
  toDatasetSpec,
  toSeedList,
  toSweepSpec,
  toVariantsSpec,
} from './schema.js';
import type { ResolvedModules } from './schema.js';
import type { SweepSpec } from './schema.js';
import { didYouMean } from './suggest.js';

export { SpecError } from './errors.js';
export type { SpecProblem } from './errors.js';

/** A problem before it is located in the file. */
interface PathProblem {
  path: SpecPath;
  message: string;
  atKey?: boolean;
}

/** Objects whose keys are free names (parameters, factors): their keys show as `*` in patterns. */
const NAME_KEYED = new Set([
  'variants.grid',
  'variants.random.params',
  'variants.exclude[]',
  'comparisons[].a',
  'comparisons[].b',
]);

/** `variants.random.params.lr` → `variants.random.params.*`; `comparisons.0` → `comparisons[]`. */
function patternOf(p: SpecPath): string {
  let pattern = '';
  for (const part of p) {
    if (typeof part === 'number') pattern += '[]';
    else pattern += `${pattern === '' ? '' : '.'}${NAME_KEYED.has(pattern) ? '*' : part}`;
  }
  return pattern;
}

/** Friendlier expectations than a bare type name, for fields whose shape is not obvious. */
const EXPECTATIONS: Record<string, string> = {
  seeds: 'a list of seeds, e.g. [0, 1, 2], or {count: 5, start: 0}',
  'seeds[]': 'a non-negative integer',
  variants: 'a mapping with grid and/or random, e.g. {grid: {model: [fc, cnn]}}',
  'variants.grid': 'a mapping of parameter to list of values, e.g. {model: [fc, cnn]}',
  'variants.grid.*': 'a list of values, e.g. [3, 5]',
  'variants.grid.*[]': 'a number or a string',
  'variants.exclude': 'a list of rules, e.g. [{model: cnn, kernel_size: 5}]',
  'variants.exclude[]': 'a mapping of parameter to value(s), e.g. {model: cnn, kernel_size: 5}',
  'variants.exclude[].*': 'a value or a list of values',
  'variants.random.params':
    'a mapping of parameter to distribution, e.g. {learning_rate: {loguniform: [0.0001, 0.01]}}',
  'variants.random.params.*': 'a distribution, e.g. {loguniform: [0.0001, 0.01]} or {choice: [3, 5]}',
  'comparisons[].a': 'factor values, e.g. {model: cnn}',
  'comparisons[].b': 'factor values, e.g. {model: fc}',
  'comparisons[].a.*': 'a number or a string',
  'comparisons[].b.*': 'a number or a string',
};

const TYPE_NAMES: Record<string, string> = {
  number: 'a number',
  int: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  tuple: 'a list [low, high]',
  object: 'a mapping',
  record: 'a mapping',
};

function valueAt(root: unknown, p: SpecPath): unknown {
  let value = root;
  for (const part of p) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[part];
  }
  return value;
}

function bound(
  issue: { minimum?: unknown; maximum?: unknown; inclusive?: boolean },
  which: 'min' | 'max',
): string {
  const limit = String(which === 'min' ? issue.minimum : issue.maximum);
  if (which === 'min') return issue.inclusive === false ? `> ${limit}` : `≥ ${limit}`;
  return issue.inclusive === false ? `< ${limit}` : `≤ ${limit}`;
}

/** Turns one zod issue (paths relative to `base`) into problems with messages for people. */
function problemsOfIssue(issue: z.core.$ZodIssue, base: SpecPath, root: unknown): PathProblem[] {
  const p: SpecPath = [...base, ...issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k))];
  const found = valueAt(root, p);
  const pattern = patternOf(p);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = KNOWN_KEYS[pattern] ?? [];
      return issue.keys.map((key) => ({
        path: [...p, key],
        atKey: true,
        message: `unknown key '${key}'${didYouMean(key, known)}; known keys here: ${known.join(', ')}`,
      }));
    }
    case 'invalid_type': {
      const expected = EXPECTATIONS[pattern] ?? TYPE_NAMES[issue.expected] ?? issue.expected;
      if (found === undefined) return [{ path: p, message: `missing required field: expected ${expected}` }];
      return [{ path: p, message: `expected ${expected}; found ${describeFound(found)}` }];
    }
    case 'invalid_union': {
      // Keep the branches whose input had the right shape: their issues say what is wrong inside.
      const viable = issue.errors.filter(
        (branch) => !branch.every((i) => i.code === 'invalid_type' && i.path.length === 0),
      );
      if (viable.length === 1) return (viable[0] ?? []).flatMap((i) => problemsOfIssue(i, p, root));
      const types = issue.errors.flatMap((branch) =>
        branch.flatMap((i) =>
          i.code === 'invalid_type' && i.path.length === 0 ? [TYPE_NAMES[i.expected] ?? i.expected] : [],
        ),
      );
      const expected = EXPECTATIONS[pattern] ?? [...new Set(types)].join(' or ');
      if (found === undefined) return [{ path: p, message: `missing required field: expected ${expected}` }];
      return [{ path: p, message: `expected ${expected}; found ${describeFound(found)}` }];
    }
    case 'too_small': {
      if (issue.origin === 'array')
        return [
          { path: p, message: `expected at least ${String(issue.minimum)} item(s); found an empty list` },
        ];
      if (issue.origin === 'string')
        return [{ path: p, message: 'expected a non-empty string; found an empty string' }];
      return [
        { path: p, message: `expected a number ${bound(issue, 'min')}; found ${describeFound(found)}` },
      ];
    }
    case 'too_big': {
      if (issue.origin === 'array')
        return [
          {
            path: p,
            message: `expected at most ${String(issue.maximum)} item(s); found ${describeFound(found)}`,
          },
        ];
      return [
        { path: p, message: `expected a number ${bound(issue, 'max')}; found ${describeFound(found)}` },
      ];
    }
    case 'invalid_value': {
      const values = issue.values.map(String);
      const hint = typeof found === 'string' ? didYouMean(found, values) : '';
      return [
        { path: p, message: `expected one of ${values.join(', ')}; found ${describeFound(found)}${hint}` },
      ];
    }
    case 'invalid_format':
      return [{ path: p, message: `expected ${issue.message}; found ${describeFound(found)}` }];
    case 'custom':
      return [{ path: p, message: issue.message }];
    default:
      return [{ path: p, message: `${issue.message}; found ${describeFound(found)}` }];
  }
}

/** Locates problems in the YAML document (line and column of the value, or of the key for unknown names). */
class Locator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly file: string,
    private readonly overrides: readonly { path: SpecPath; text: string }[],
  ) {}

  private position(offset: number): { line: number; column: number } {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  private rangeOf(p: SpecPath, atKey: boolean): [number, number, number] | undefined {
    if (atKey && p.length > 0) {
      const parent = p.length === 1 ? this.doc.contents : this.doc.getIn(p.slice(0, -1), true);
      if (isMap(parent)) {
        const last = p[p.length - 1];
        const pair = parent.items.find((item) => (isScalar(item.key) ? item.key.value : item.key) === last);
        const keyNode = pair?.key as YamlNode | undefined;
        if (keyNode?.range) return keyNode.range;
      }
    }
    // The node itself, or else its nearest ancestor that is in the file (e.g. for a missing field).
    for (let depth = p.length; depth >= 0; depth -= 1) {
      const node = (depth === 0 ? this.doc.contents : this.doc.getIn(p.slice(0, depth), true)) as
        YamlNode | null | undefined;
      if (node?.range) return node.range;
    }
    return undefined;
  }

  locate(problem: PathProblem): SpecProblem {
    const located: SpecProblem = {
      file: this.file,
      path: formatPath(problem.path),
      message: problem.message,
    };
    const override = this.overrides.find((o) =>
      o.path.every((part, i) => String(problem.path[i]) === String(part)),
    );
    if (override) {
      located.message += ` (set by --set ${override.text})`;
      return located;
    }
    const range = this.rangeOf(problem.path, problem.atKey ?? false);
    if (range) Object.assign(located, this.position(range[0]));
    return located;
  }
}

/** `dataset.train_size=50000` → path and YAML-parsed value. */
function parseOverride(text: string): { path: SpecPath; value: unknown } {
  const eq = text.indexOf('=');
  const key = eq > 0 ? text.slice(0, eq).trim() : '';
  if (!key || key.split('.').some((part) => part === '')) {
    throw new UserError(
      'E_BAD_ARGUMENT',
      `--set expects path=value, e.g. --set dataset.train_size=50000; got '${text}'.`,
    );
  }
  const p = key.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  return { path: p, value: parseYaml(text.slice(eq + 1)) };
}

/**
 * Parses and validates a sweep spec from YAML text.
 * Throws {@link SpecError} (code `E_SPEC_INVALID`) listing every problem, each located in the file.
 */
export function parseSweepSpec(options: {
  /** The YAML text. */
  text: string;
  /** File name to show in messages (the text's origin). */
  file: string;
  /**
   * What the spec's `trainable` and `dataset.module` resolve to ({@link loadSweepSpec} imports them);
   * with a trainable, every variant's parameters are checked by its schema.
   */
  modules?: ResolvedModules & { trainableParams?: ZodType<unknown> };
  /**
   * Overrides applied before validation, `path=value` with a YAML value,
   * e.g. `['dataset.train_size=50000', 'seeds={count: 10}']`.
   * @default []
   */
  overrides?: readonly string[];
}): SweepSpec {
  const { text, file } = options;
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new SpecError(
      file,
      doc.errors.map((error) => {
        const [start] = error.linePos ?? [];
        const message = `invalid YAML: ${(error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`;
        return start
          ? { file, line: start.line, column: start.col, path: '', message }
          : { file, path: '', message };
      }),
    );
  }

  const overrides = (options.overrides ?? []).map((o) => ({ ...parseOverride(o), text: o }));
  for (const override of overrides) {
    try {
      doc.setIn(override.path, doc.createNode(override.value));
    } catch (error) {
      throw new UserError(
        'E_BAD_ARGUMENT',
        `--set ${override.text}: cannot set ${formatPath(override.path)} in ${file} (${(error as Error).message}).`,
      );
    }
  }

  const locator = new Locator(doc, lines, file, overrides);
  const fail = (problems: PathProblem[]): never => {
    const located = problems.map((p) => locator.locate(p));
    located.sort((x, y) => (x.line ?? 0) - (y.line ?? 0) || (x.column ?? 0) - (y.column ?? 0));
    throw new SpecError(file, located);
  };

  const raw: unknown = doc.toJS();
  if (raw === null || raw === undefined) {
    fail([
      { path: [], message: 'the spec is empty: expected a mapping with name, dataset, variants and seeds' },
    ]);
  }
  const parsed = sweepFileSchema.safeParse(raw);
  if (!parsed.success) {
    // Still check the parts that are valid on their own, so one run reports every problem.
    const part = <T>(schema: z.ZodType<T>, key: string): T | undefined => {
      const result = schema.safeParse(valueAt(raw, [key]));
      return result.success ? result.data : undefined;
    };
    const variants = part(sweepFileSchema.shape.variants, 'variants');
    const seeds = part(sweepFileSchema.shape.seeds, 'seeds');
    const dataset = part(sweepFileSchema.shape.dataset, 'dataset');
    const partProblems = checkSpecParts({
      ...(variants ? { variants: toVariantsSpec(variants) } : {}),
      ...(seeds ? { seeds: toSeedList(seeds) } : {}),
      ...(dataset ? { dataset: toDatasetSpec(dataset) } : {}),
    });
    // The built-in's parameters in the variants (with the fixed `params`, when they are valid), so a
    // wrong model name shows with the schema's problems.
    const params = part(sweepFileSchema.shape.params, 'params');
    const valueProblems =
      variants &&
      valueAt(raw, ['trainable']) === undefined &&
      (params || valueAt(raw, ['params']) === undefined)
        ? checkVariantValues(
            {
              variants: toVariantsSpec(variants),
              ...(params ? { params } : {}),
              train: { epochs: 1 },
              dataset: { name: 'none' },
            } as SweepSpec,
            { params: imageClassifierParams, trainIssue },
          )
        : [];
    fail([
      ...parsed.error.issues.flatMap((issue) => problemsOfIssue(issue, [], raw)),
      ...partProblems,
      ...valueProblems,
    ]);
  }
  const file_ = parsed.data as z.output<typeof sweepFileSchema>;
  const modules = options.modules ?? {};
  if (
    (file_.trainable !== undefined && !modules.trainable) ||
    (file_.dataset?.module !== undefined && !modules.dataset)
  ) {
    fail([
      {
        path: [file_.trainable !== undefined ? 'trainable' : 'dataset'],
        message:
          'this spec names a module: load it with loadSweepSpec (or the CLI), which imports the module to check it',
      },
    ]);
  }
  const spec = toSweepSpec(file_, modules);
  // A spec without `trainable:` trains the built-in image classifier: its schema checks the values.
  const params = file_.trainable === undefined ? imageClassifierParams : modules.trainableParams;
  const problems = [
    ...checkSweepSpec(spec),
    ...checkVariantValues(spec, { ...(params ? { params } : {}), trainIssue }),
  ];
  if (problems.length > 0) fail(problems);
  return spec;
}

/** A `train:` schema issue about `value`, in the words of the spec's own problems. */
function trainIssue(issue: z.core.$ZodIssue, value: unknown): string {
  return problemsOfIssue(issue, [], value)[0]?.message ?? issue.message;
}

/** What a spec's module references resolve to, importing them (relative paths from the spec's folder). */
export async function resolveSpecModules(
  raw: unknown,
  baseDir: string,
): Promise<NonNullable<Parameters<typeof parseSweepSpec>[0]['modules']>> {
  const doc = (raw ?? {}) as { trainable?: unknown; dataset?: { module?: unknown; name?: unknown } };
  const modules: NonNullable<Parameters<typeof parseSweepSpec>[0]['modules']> = {};
  if (typeof doc.trainable === 'string' && doc.trainable.length > 0) {
    const ref = parseModuleRef(doc.trainable, baseDir);
    const trainable = trainableOf(await importExport(ref, 'trainable'), ref.export);
    if (!trainable) {
      throw new UserError(
        'E_NOT_A_TRAINABLE',
        `trainable ${doc.trainable}: the export is not a trainable; ${TRAINABLE_EXPORT_HINT}.`,
      );
    }
    modules.trainable = {
      name: trainable.name,
      module: ref.module,
      export: ref.export,
      ...(trainable.version !== undefined ? { version: String(trainable.version) } : {}),
      ...(trainable.form !== undefined ? { form: trainable.form } : {}),
      ...(trainable.trainDefaults !== undefined ? { trainDefaults: { ...trainable.trainDefaults } } : {}),
    };
    // A plain function declares no schema: its parameters go to it as they are.
    if (trainable.form === undefined) modules.trainableParams = trainable.params as ZodType<unknown>;
  }
  if (typeof doc.dataset?.module === 'string' && doc.dataset.module.length > 0) {
    const ref = parseModuleRef(doc.dataset.module, baseDir);
    const plugin = await importExport(ref, 'dataset');
    if (!isDatasetPlugin(plugin)) {
      throw new UserError(
        'E_NOT_A_DATASET',
        `dataset module ${doc.dataset.module}: the export is not a dataset plug-in; export the result of defineDataset({ name, options, fingerprint, load }) from 'seedsweep'.`,
      );
    }
    if (typeof doc.dataset.name === 'string' && doc.dataset.name !== plugin.name) {
      throw new UserError(
        'E_DATASET_NAME',
        `dataset module ${doc.dataset.module} is named '${plugin.name}' but the spec says name: ${doc.dataset.name}; use the plug-in's name or leave name out.`,
      );
    }
    modules.dataset = { name: plugin.name, module: ref.module, export: ref.export };
  }
  return modules;
}

/** Folder of the sweeps shipped with seedsweep. */
export function shippedSweepsDir(): string {
  return path.join(PACKAGE_ROOT, 'sweeps');
}

/**
 * A spec argument as a file path: an existing path as given, else a shipped sweep by name
 * (`quickstart` or `quickstart.yaml` → `<package>/sweeps/quickstart.yaml`).
 */
export function resolveSpecPath(nameOrPath: string): string {
  const isFile = (p: string): boolean => existsSync(p) && statSync(p).isFile();
  if (isFile(nameOrPath)) return nameOrPath;
  if (!nameOrPath.includes('/')) {
    for (const candidate of [nameOrPath, `${nameOrPath}.yaml`]) {
      const shipped = path.join(shippedSweepsDir(), candidate);
      if (isFile(shipped)) return shipped;
    }
  }
  const known = existsSync(shippedSweepsDir())
    ? readdirSync(shippedSweepsDir())
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => f.replace(/\.yaml$/, ''))
    : [];
  throw new UserError(
    'E_SPEC_NOT_FOUND',
    `sweep spec '${nameOrPath}' not found: give a path to a YAML file or the name of a shipped sweep (${known.join(', ') || 'none'}).`,
  );
}

/** How to show a resolved spec path: as the user gave it, else relative to the working folder when inside it. */
export function displaySpecPath(options: {
  /** The argument the user gave. */
  given: string;
  /** What {@link resolveSpecPath} made of it. */
  resolved: string;
}): string {
  if (options.resolved === options.given) return options.given;
  const relative = path.relative(process.cwd(), options.resolved);
  return relative && !relative.startsWith('..') ? relative : options.resolved;
}

/**
 * Reads, parses and validates a sweep spec file (or a shipped sweep by name, see {@link resolveSpecPath}).
 * Throws {@link SpecError} for an invalid spec, `UserError` `E_SPEC_NOT_FOUND` for a missing file.
 */
export async function loadSweepSpec(
  file: string,
  options: {
    /** `path=value` overrides, see {@link parseSweepSpec}. @default [] */
    overrides?: readonly string[];
  } = {},
): Promise<SweepSpec> {
  const resolved = resolveSpecPath(file);
  const text = await readFile(resolved, 'utf8');
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch {
    raw = undefined; // parseSweepSpec reports the YAML error with its position
  }
  return parseSweepSpec({
    text,
    file: displaySpecPath({ given: file, resolved }),
    overrides: options.overrides ?? [],
    modules: await resolveSpecModules(raw, path.dirname(path.resolve(resolved))),
  });
}
