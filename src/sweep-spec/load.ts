/**
 * Loading sweep specs: YAML (kept with positions) → zod schema → semantic checks → `SweepSpec`.
 * Every problem is reported at once, each with file, line, column, field path, what was found and
 * what was expected.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parse, parseDocument, stringify, visit } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { z, ZodType } from 'zod';
import { UserError } from '../core/common/errors.js';
import { importExport, moduleRefOf } from '../core/common/user-module.js';
import { isDatasetPlugin } from '../core/domain/dataset.js';
import { TRAINABLE_EXPORT_HINT, trainableOf } from '../core/domain/trainable.js';
import { PACKAGE_ROOT } from '../core/common/paths.js';
import { isSafeName } from '../core/common/safe-names.js';
import { imageClassifierParams } from '../models/image-classifier/params.js';
import { checkSpecParts, checkSweepSpec } from './check.js';
import { checkVariantValues } from './check-params.js';
import { describeFound, formatPath, MAX_LISTED_PROBLEMS, SpecError } from './errors.js';
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
import { readSpecFile, refuseNonFile } from './spec-file.js';
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

/** A path as an index key: keys and list indices alike as strings (`["variants","grid","model","0"]`). */
const pathId = (p: SpecPath): string => JSON.stringify(p.map(String));

/** Where each node of the document is: its value's and its key's range, by {@link pathId}. */
function indexRanges(doc: Document): Map<string, { value?: Range; key?: Range }> {
  const index = new Map<string, { value?: Range; key?: Range }>();
  // An explicit stack rather than recursion: a deeply nested document must not overflow the call stack.
  const stack: { node: unknown; path: (string | number)[] }[] = [{ node: doc.contents, path: [] }];
  while (stack.length > 0) {
    const { node, path: p } = stack.pop()!;
    const entry = (id: string) => index.get(id) ?? index.set(id, {}).get(id)!;
    const range = (node as YamlNode | null)?.range;
    if (range) entry(pathId(p)).value = range;
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const child = [...p, key];
        const keyRange = (pair.key as YamlNode | null)?.range;
        if (keyRange) entry(pathId(child)).key = keyRange;
        stack.push({ node: pair.value, path: child });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => stack.push({ node: item, path: [...p, i] }));
    }
  }
  return index;
}

type Range = [number, number, number];

/** Offsets of keys that repeat an earlier key of their mapping (scalar keys, compared by value and type). */
function duplicateKeys(doc: Document): number[] {
  const offsets: number[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (isScalar(pair.key)) {
          const id = `${typeof pair.key.value}:${String(pair.key.value)}`;
          if (seen.has(id)) offsets.push(pair.key.range?.[0] ?? 0);
          seen.add(id);
        }
        stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      stack.push(...node.items);
    }
  }
  return offsets.sort((a, b) => a - b);
}

/** Locates problems in the YAML document (line and column of the value, or of the key for unknown names). */
class Locator {
  private readonly index: Map<string, { value?: Range; key?: Range }>;

  constructor(
    doc: Document,
    private readonly lines: LineCounter,
    private readonly file: string,
    private readonly overrides: readonly { path: SpecPath; text: string }[],
  ) {
    this.index = indexRanges(doc);
  }

  private position(offset: number): { line: number; column: number } {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  private rangeOf(p: SpecPath, atKey: boolean): Range | undefined {
    const at = (depth: number) => this.index.get(pathId(p.slice(0, depth)));
    if (atKey && p.length > 0) {
      const key = at(p.length)?.key;
      if (key) return key;
    }
    // The node itself, or else its nearest ancestor that is in the file (e.g. for a missing field).
    for (let depth = p.length; depth >= 0; depth -= 1) {
      const range = at(depth)?.value;
      if (range) return range;
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
    // Nothing in the file to point at (an empty document): its start.
    const range = this.rangeOf(problem.path, problem.atKey ?? false);
    Object.assign(located, range ? this.position(range[0]) : { line: 1, column: 1 });
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
  try {
    return { path: p, value: parseYaml(text.slice(eq + 1)) };
  } catch (error) {
    throw new UserError(
      'E_BAD_ARGUMENT',
      `--set ${key}: the value is not valid YAML (${firstLine(error)}); quote it, e.g. --set '${key}="…"'.`,
    );
  }
}

/**
 * Refuses a `--set` list index past the end of its list (or above 0 where no list is yet): the YAML
 * document would fill the gap, and `seeds.99999999=1` would allocate a hundred million items.
 */
function checkOverrideIndices(doc: Document, p: SpecPath, text: string): void {
  for (let i = 0; i < p.length; i += 1) {
    const part = p[i];
    if (typeof part !== 'number') continue;
    const parent: unknown = i === 0 ? doc.contents : doc.getIn(p.slice(0, i), true);
    const limit = isSeq(parent) ? parent.items.length : isMap(parent) ? Number.POSITIVE_INFINITY : 0;
    if (part > limit) {
      throw new UserError(
        'E_BAD_ARGUMENT',
        `--set ${text.slice(0, 200)}: index ${part} of ${formatPath(p.slice(0, i)) || 'the spec'} is past the end of the list (${limit} item(s)); a --set changes an item or adds one at the end.`,
      );
    }
  }
}

/** The first line of an error's message, for one-line reports. */
function firstLine(error: unknown): string {
  return (String((error as Error)?.message ?? error).split('\n')[0] ?? '').slice(0, 200);
}

/** Largest spec accepted, in bytes: a spec is a page of settings, so anything near this is a mistake (or an attack). */
export const MAX_SPEC_BYTES = 1024 * 1024;

/**
 * YAML text to a plain value, quietly (no process warnings) and with the yaml library's bound on alias
 * expansion (a "billion laughs" document throws instead of growing without limit).
 */
function parseYaml(text: string): unknown {
  return parse(text, { logLevel: 'error', maxAliasCount: MAX_ALIAS_COUNT });
}

/** The yaml library's default, named: aliases may resolve to at most this many nodes per anchor use. */
const MAX_ALIAS_COUNT = 100;

/** The problem of a spec text above {@link MAX_SPEC_BYTES}, located where the limit is crossed. */
function tooLarge(file: string, text: string, bytes: number): SpecError {
  // Characters, not bytes, for the position: close enough to say where the limit falls.
  const head = text.slice(0, MAX_SPEC_BYTES);
  const line = head.split('\n').length;
  return new SpecError(file, [
    {
      file,
      line,
      column: head.length - head.lastIndexOf('\n'),
      path: '',
      message: `the spec is ${bytes} bytes; at most ${MAX_SPEC_BYTES} are read (a sweep spec is a page of settings: is this the right file?)`,
    },
  ]);
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
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_SPEC_BYTES) throw tooLarge(file, text, bytes);
  const lines = new LineCounter();
  // Keys are checked for uniqueness below, in one pass: the yaml library's own check is quadratic
  // in the keys of a mapping (80,000 keys took minutes).
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: true,
    uniqueKeys: false,
    logLevel: 'error',
  });
  const yamlProblems: SpecProblem[] = doc.errors.map((error) => {
    const [start] = error.linePos ?? [];
    const message = `invalid YAML: ${(error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`;
    return { file, line: start?.line ?? 1, column: start?.col ?? 1, path: '', message };
  });
  for (const offset of duplicateKeys(doc)) {
    const { line, col } = lines.linePos(offset);
    yamlProblems.push({
      file,
      line,
      column: col,
      path: '',
      message: 'invalid YAML: Map keys must be unique',
    });
  }
  if (yamlProblems.length > 0) {
    yamlProblems.sort((x, y) => (x.line ?? 0) - (y.line ?? 0) || (x.column ?? 0) - (y.column ?? 0));
    throw new SpecError(file, yamlProblems);
  }

  const overrides = (options.overrides ?? []).map((o) => ({ ...parseOverride(o), text: o }));
  for (const override of overrides) {
    checkOverrideIndices(doc, override.path, override.text);
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

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // The one way toJS fails on a parsed document: aliases that expand too far ("billion laughs").
    let offset = 0;
    visit(doc, {
      Alias: (_key, node) => {
        offset = node.range?.[0] ?? 0;
        return visit.BREAK;
      },
    });
    const { line, col } = lines.linePos(offset);
    throw new SpecError(file, [
      {
        file,
        line,
        column: col,
        path: '',
        message: `aliases expand too far (${firstLine(error)}); write the values out instead of nesting aliases`,
      },
    ]);
  }
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

/** What relative module references of a spec resolve against, for messages. */
const SPEC_FOLDER = "the spec's folder";

/** What a spec's module references resolve to, importing them (relative paths from the spec's folder). */
export async function resolveSpecModules(
  raw: unknown,
  baseDir: string,
): Promise<NonNullable<Parameters<typeof parseSweepSpec>[0]['modules']>> {
  const doc = (raw ?? {}) as { trainable?: unknown; dataset?: { module?: unknown; name?: unknown } };
  const modules: NonNullable<Parameters<typeof parseSweepSpec>[0]['modules']> = {};
  if (typeof doc.trainable === 'string' && doc.trainable.length > 0) {
    const ref = moduleRefOf(doc.trainable, baseDir, { field: 'trainable', relativeTo: SPEC_FOLDER });
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
    const ref = moduleRefOf(doc.dataset.module, baseDir, {
      field: 'dataset.module',
      relativeTo: SPEC_FOLDER,
    });
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
  const isFile = (p: string): boolean => !p.includes('\u0000') && existsSync(p) && statSync(p).isFile();
  if (isFile(nameOrPath)) return nameOrPath;
  // A shipped sweep is one safe name: `..`, separators and NUL never reach the shipped folder.
  if (isSafeName(nameOrPath)) {
    for (const candidate of [nameOrPath, `${nameOrPath}.yaml`]) {
      const shipped = path.join(shippedSweepsDir(), candidate);
      if (isFile(shipped)) return shipped;
    }
  }
  // Not a shipped name either: a folder, a FIFO or a path the system refuses is not "not found".
  refuseNonFile(nameOrPath, nameOrPath);
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
 * Throws {@link SpecError} for an invalid spec, `UserError` `E_SPEC_NOT_FOUND` for a missing file,
 * `E_SPEC_UNREADABLE` for one the system will not read (a folder, a FIFO, EACCES, EIO).
 */
export async function loadSweepSpec(
  file: string,
  options: {
    /** `path=value` overrides, see {@link parseSweepSpec}. @default [] */
    overrides?: readonly string[];
  } = {},
): Promise<SweepSpec> {
  const resolved = resolveSpecPath(file);
  const shown = displaySpecPath({ given: file, resolved });
  // An oversized file is refused without reading it whole (its head says where the limit falls).
  const { text, bytes } = await readSpecFile(resolved, shown, MAX_SPEC_BYTES);
  if (bytes > MAX_SPEC_BYTES) throw tooLarge(shown, text, bytes);
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch {
    raw = undefined; // parseSweepSpec reports the YAML error with its position
  }
  return parseSweepSpec({
    text,
    file: shown,
    overrides: options.overrides ?? [],
    modules: await resolveSpecModules(raw, path.dirname(path.resolve(resolved))),
  });
}

/** Deepest nesting a spec given as an object may have (a spec is a few levels deep; this is far beyond). */
export const MAX_OBJECT_DEPTH = 64;

/** What a value of an object spec is, for a message about one that YAML cannot hold. */
function kindOf(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return undefined;
    case 'object': {
      if (Array.isArray(value)) return undefined;
      const proto = Object.getPrototypeOf(value) as unknown;
      return proto === Object.prototype || proto === null
        ? undefined
        : `an object of class ${(value as object).constructor?.name ?? 'unknown'}`;
    }
    default:
      return `a ${typeof value}`;
  }
}

/**
 * The index of a list's first hole (`[1, , 3]` → 1), or -1 when it has none. Counted from the indices
 * the list holds, so `new Array(1e9)` is not walked index by index.
 */
function firstHole(list: readonly unknown[]): number {
  let held = 0;
  for (const key of Object.keys(list)) if (/^(0|[1-9]\d*)$/.test(key) && Number(key) < list.length) held += 1;
  if (held === list.length) return -1;
  let i = 0;
  while (Object.hasOwn(list, i)) i += 1;
  return i;
}

/**
 * A spec given as an object (the API's `defineExperiment`), as YAML text for {@link parseSweepSpec}.
 * Only plain data is accepted (strings, numbers, booleans, null, lists without holes and plain
 * objects, at most {@link MAX_OBJECT_DEPTH} deep, without cycles): anything else is a {@link SpecError}
 * naming the field, where turning it into YAML would otherwise throw a TypeError or overflow the stack.
 */
export function sweepSpecText(document: unknown, file: string): string {
  const problems: SpecProblem[] = [];
  const onPath = new Set<unknown>();
  // Depth-first with an explicit stack; `leave` entries take a container off the current path.
  const stack: ({ value: unknown; path: SpecPath } | { leave: unknown })[] = [{ value: document, path: [] }];
  while (stack.length > 0 && problems.length < MAX_LISTED_PROBLEMS) {
    const item = stack.pop()!;
    if ('leave' in item) {
      onPath.delete(item.leave);
      continue;
    }
    const { value, path: p } = item;
    const kind = kindOf(value);
    const at = (message: string) => problems.push({ file, path: formatPath(p), message });
    if (kind !== undefined) {
      at(`expected a string, number, boolean, list or plain object; found ${kind}`);
    } else if (typeof value === 'object' && value !== null) {
      if (onPath.has(value)) at('the value contains itself (a cycle); a spec is a tree of plain values');
      else if (p.length >= MAX_OBJECT_DEPTH) at(`nested more than ${MAX_OBJECT_DEPTH} levels deep`);
      else {
        const hole = Array.isArray(value) ? firstHole(value) : -1;
        if (hole >= 0) {
          problems.push({
            file,
            path: formatPath([...p, hole]),
            message: 'a hole in the list; give every element',
          });
          continue;
        }
        onPath.add(value);
        stack.push({ leave: value });
        const entries = Array.isArray(value)
          ? value.map((v, i) => [i, v] as const)
          : Object.entries(value as Record<string, unknown>);
        for (let i = entries.length - 1; i >= 0; i -= 1) {
          const [key, child] = entries[i]!;
          stack.push({ value: child, path: [...p, key] });
        }
      }
    }
  }
  if (problems.length > 0) throw new SpecError(file, problems);
  return stringify(document);
}
