/**
 * Locating a field of a spec file after loading: problems found at submission (e.g. a warm start's
 * earlier sweep that does not fit the search space) name the field's line, as load-time problems do.
 */
import { isNode, LineCounter, parseDocument } from 'yaml';
import { formatPath, type SpecPath, type SpecProblem } from './errors.js';

/**
 * The problem at `path` of the spec whose YAML `text` came from `file`: with the line and column of
 * the field's value when the text has it (it may not: a `--set` override or a spec given as an object).
 */
export function specProblemAt(options: {
  file: string;
  text?: string;
  path: SpecPath;
  message: string;
}): SpecProblem {
  const problem: SpecProblem = {
    file: options.file,
    path: formatPath(options.path),
    message: options.message,
  };
  if (options.text === undefined) return problem;
  const lines = new LineCounter();
  const doc = parseDocument(options.text, { lineCounter: lines, uniqueKeys: false, logLevel: 'silent' });
  const node: unknown = doc.getIn(options.path, true);
  const offset = isNode(node) ? node.range?.[0] : undefined;
  if (offset === undefined) return problem;
  const { line, col } = lines.linePos(offset);
  return { ...problem, line, column: col };
}
