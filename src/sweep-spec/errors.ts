/** Errors in sweep spec files: every problem located by file, line, column and field path. */
import { UserError } from '../core/common/errors.js';

/** A path inside the YAML document: keys and list indices, e.g. `['variants', 'grid', 'kernel_size', 1]`. */
export type SpecPath = readonly (string | number)[];

/** One problem found in a spec. */
export interface SpecProblem {
  file: string;
  /** 1-based line of the offending value (or key), when it is in the file. */
  line?: number;
  /** 1-based column. */
  column?: number;
  /** Field path as written in messages, e.g. `variants.grid.kernel_size[1]`; empty for the whole document. */
  path: string;
  /** What was found and what was expected. */
  message: string;
}

/** `variants.grid.kernel_size[1]`. */
export function formatPath(path: SpecPath): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text === '' ? part : `.${part}`;
  }
  return text;
}

/** Longest problem line shown, in characters. */
const MAX_LINE = 1000;

/** One line per problem: `file:line:column: path: message`. */
export function formatProblem(problem: SpecProblem): string {
  const where =
    problem.line === undefined ? problem.file : `${problem.file}:${problem.line}:${problem.column ?? 1}`;
  const line = problem.path
    ? `${where}: ${problem.path}: ${problem.message}`
    : `${where}: ${problem.message}`;
  // A hostile key or value can be megabytes long: one problem stays one readable line.
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE - 1)}…` : line;
}

/** How a found value reads in a message: strings quoted, missing values as "nothing". */
export function describeFound(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string')
    return value.length > 60
      ? `${JSON.stringify(value.slice(0, 57))}... (${value.length} characters)`
      : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  const kind = Array.isArray(value) ? 'a list' : 'a mapping';
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch {
    // YAML aliases can make a value contain itself (`name: &a [*a]`): JSON cannot write it.
    return `${kind} that contains itself`;
  }
  const short = json.length > 60 ? `${json.slice(0, 57)}...` : json;
  return `${kind} ${short}`;
}

/** Problems a {@link SpecError}'s message lists; the rest are counted (all stay in `problems`). */
export const MAX_LISTED_PROBLEMS = 50;

/** Thrown by spec loading when a spec is invalid; lists every problem found, not just the first. */
export class SpecError extends UserError {
  /** The file the spec came from. */
  readonly file: string;
  /** Every problem, in document order. */
  readonly problems: readonly SpecProblem[];

  constructor(file: string, problems: readonly SpecProblem[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    // A generated or damaged file can hold thousands of problems: the first ones say what is wrong.
    const listed = problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => `  ${formatProblem(p)}`);
    if (problems.length > MAX_LISTED_PROBLEMS)
      listed.push(`  … and ${problems.length - MAX_LISTED_PROBLEMS} more problems of the same file`);
    super('E_SPEC_INVALID', `invalid sweep spec ${file} (${count}):\n${listed.join('\n')}`);
    this.file = file;
    this.problems = problems;
  }
}
