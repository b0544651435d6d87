/**
 * Reads an `/invocations` JSON body into raw input arrays, checked value by value against the served
 * model's inputs (shape, dtype, names), every refusal naming the JSON path, what was expected and
 * what came. Accepted forms (TF Serving's row and column formats, plus a bare list):
 * - `{"instances": [example, …]}`: an example is the input's nested array (one-input models), or an
 *   object `{inputName: nested array, …}` (any model; needed with several inputs);
 * - `{"instances": example}`: one example of a one-input model (recognised by its nesting depth);
 * - `[example, …]`: the same list, bare;
 * - `{"inputs": {inputName: [example, …], …}}`: one list per input, all of one length;
 *   `{"inputs": [example, …]}` for a one-input model.
 */
import { ServingError, type ServingErrorDetails } from './errors.js';
import { checkJsonLimits, jsonLimitsFor } from './json-limits.js';
import { describeInputs, describeShape, type ServedInput } from './served-model.js';

/** Raw values of one input as sent: pixels as bytes, int32 inputs as integers, float32 inputs in full precision. */
export type RawValues = Uint8Array | Int32Array | Float64Array;

/** One input of a decoded request: `count × shape` values, row-major. */
export interface RawInput {
  values: RawValues;
  /** Per-example shape (open dimensions resolved from the request). */
  shape: number[];
}

/** A decoded request: `count` examples, one {@link RawInput} per model input (in the model's order). */
export interface DecodedRequest {
  count: number;
  inputs: RawInput[];
}

/** A JSON value and its path in the body, e.g. `instances[3].features`. */
interface Located {
  value: unknown;
  where: string;
}

const FLOAT32_MAX = 3.4028234663852886e38;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Decodes and validates a JSON body. @throws ServingError with a code saying what was wrong. */
export function decodeJsonRequest(
  body: Buffer,
  inputs: readonly ServedInput[],
  maxBatch: number,
): DecodedRequest {
  checkJsonLimits(body, jsonLimitsFor(inputs, maxBatch)); // before parsing: its cost is what they bound
  const text = body.toString('utf8');
  if (text.trim() === '')
    throw new ServingError(
      'E_EMPTY_BODY',
      'the request body is empty (only whitespace); send {"instances": [...]}',
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ServingError('E_INVALID_JSON', `the body is not valid JSON (${(error as Error).message})`);
  }
  const columns = examplesByInput(parsed, inputs, maxBatch);
  const count = columns[0]!.length;
  return {
    count,
    inputs: inputs.map((input, i) => copyInput(columns[i]!, input)),
  };
}

/** The examples of every input, located in the body, whatever the body's form. */
function examplesByInput(parsed: unknown, inputs: readonly ServedInput[], maxBatch: number): Located[][] {
  if (Array.isArray(parsed)) return fromRows(parsed, '$', inputs, maxBatch);
  if (!isObject(parsed))
    throw new ServingError(
      'E_BAD_INSTANCES',
      `expected a JSON object {"instances": [...]} or {"inputs": ...} (or a bare array of examples), got ${typeName(parsed)}`,
      { field: '$', expected: 'an object with "instances" or "inputs"', got: typeName(parsed) },
    );
  const hasInstances = 'instances' in parsed;
  const hasInputs = 'inputs' in parsed;
  if (hasInstances && hasInputs)
    throw new ServingError(
      'E_BAD_INSTANCES',
      'the body has both "instances" and "inputs"; send one of them (rows or columns)',
      { field: '$', expected: 'either "instances" or "inputs"', got: 'both' },
    );
  if (hasInstances) return fromRows(parsed['instances'], 'instances', inputs, maxBatch);
  if (hasInputs) return fromColumns(parsed['inputs'], 'inputs', inputs, maxBatch);
  const fields = Object.keys(parsed);
  throw new ServingError(
    'E_BAD_INSTANCES',
    `expected a JSON object {"instances": [...]} or {"inputs": ...} (or a bare array of examples); found no "instances" or "inputs" field${fields.length ? ` (fields: ${fields.slice(0, 5).join(', ')})` : ''}`,
    {
      field: '$',
      expected: 'an object with "instances" or "inputs"',
      got: `fields ${JSON.stringify(fields.slice(0, 5))}`,
    },
  );
}

/** `{"instances": …}` or a bare array: examples as rows. */
function fromRows(
  instances: unknown,
  where: string,
  inputs: readonly ServedInput[],
  maxBatch: number,
): Located[][] {
  let rows: Located[];
  if (isObject(instances)) {
    rows = [{ value: instances, where }];
  } else if (!Array.isArray(instances)) {
    throw new ServingError(
      'E_BAD_INSTANCES',
      `"${where}" must be an array of ${exampleNoun(inputs)}, got ${typeName(instances)}`,
      { field: where, expected: `an array of ${exampleNoun(inputs)}`, got: typeName(instances) },
    );
  } else if (instances.length === 0) {
    throw new ServingError('E_BAD_INSTANCES', `"${where}" is empty; send at least one example`, {
      field: where,
      expected: 'at least one example',
      got: 'an empty array',
    });
  } else if (inputs.length === 1 && !isObject(instances[0]) && depth(instances) <= inputs[0]!.shape.length) {
    rows = [{ value: instances, where }]; // one example, not a list: its depth is the input's rank
  } else {
    rows = instances.map((value, i) => ({ value, where: `${where}[${i}]` }));
  }
  checkCount(rows.length, maxBatch, inputs);
  return inputs.map((input) =>
    rows.map((row) => {
      if (isObject(row.value)) return pick(row.value, row.where, input, inputs);
      if (inputs.length > 1)
        throw new ServingError(
          'E_BAD_INSTANCES',
          `${row.where} must be an object {${inputs.map((i) => `"${i.name}": …`).join(', ')}} (the model has ${inputs.length} inputs), got ${typeName(row.value)}`,
          {
            field: row.where,
            expected: `an object with ${inputs.map((i) => `"${i.name}"`).join(', ')}`,
            got: typeName(row.value),
          },
        );
      return row;
    }),
  );
}

/** `{"inputs": …}`: one list of examples per input. */
function fromColumns(
  columns: unknown,
  where: string,
  inputs: readonly ServedInput[],
  maxBatch: number,
): Located[][] {
  if (Array.isArray(columns) && inputs.length === 1) {
    return [listOf(columns, where, maxBatch, inputs)];
  }
  if (!isObject(columns))
    throw new ServingError(
      'E_BAD_INSTANCES',
      `"${where}" must be an object {${inputs.map((i) => `"${i.name}": [examples…]`).join(', ')}}${inputs.length === 1 ? ' or an array of examples' : ''}, got ${typeName(columns)}`,
      {
        field: where,
        expected: `an object with ${inputs.map((i) => `"${i.name}"`).join(', ')}`,
        got: typeName(columns),
      },
    );
  checkNoUnknown(columns, where, inputs);
  const lists = inputs.map((input) => {
    const path = member(where, input.name);
    if (!(input.name in columns)) throw missing(where, input, inputs);
    return listOf(columns[input.name], path, maxBatch, inputs);
  });
  const first = lists[0]!;
  lists.forEach((list, i) => {
    if (list.length !== first.length) {
      const path = member(where, inputs[i]!.name);
      throw new ServingError(
        'E_BAD_SHAPE',
        `${path} holds ${list.length} examples but ${member(where, inputs[0]!.name)} holds ${first.length}; every input needs one value per example`,
        { field: path, expected: `${first.length} examples`, got: `${list.length} examples` },
      );
    }
  });
  return lists;
}

function listOf(value: unknown, where: string, maxBatch: number, inputs: readonly ServedInput[]): Located[] {
  if (!Array.isArray(value))
    throw new ServingError(
      'E_BAD_INSTANCES',
      `${where} must be an array of examples, got ${typeName(value)}`,
      {
        field: where,
        expected: 'an array of examples',
        got: typeName(value),
      },
    );
  if (value.length === 0)
    throw new ServingError('E_BAD_INSTANCES', `${where} is empty; send at least one example`, {
      field: where,
      expected: 'at least one example',
      got: 'an empty array',
    });
  checkCount(value.length, maxBatch, inputs);
  return value.map((v, i) => ({ value: v, where: `${where}[${i}]` }));
}

function checkCount(count: number, maxBatch: number, inputs: readonly ServedInput[]): void {
  if (count > maxBatch)
    throw new ServingError(
      'E_TOO_MANY_INSTANCES',
      `the request holds ${count} ${exampleNoun(inputs)}; at most ${maxBatch} are accepted per request (split it into several requests)`,
      { expected: `at most ${maxBatch}`, got: String(count) },
    );
}

/** The value of `input` in an object example (`{name: value, …}`), which must name every input and no other. */
function pick(
  row: Record<string, unknown>,
  where: string,
  input: ServedInput,
  inputs: readonly ServedInput[],
): Located {
  checkNoUnknown(row, where, inputs);
  if (!(input.name in row)) throw missing(where, input, inputs);
  return { value: row[input.name], where: member(where, input.name) };
}

function checkNoUnknown(
  object: Record<string, unknown>,
  where: string,
  inputs: readonly ServedInput[],
): void {
  const unknown = Object.keys(object).find((key) => !inputs.some((input) => input.name === key));
  if (unknown !== undefined)
    throw new ServingError(
      'E_UNKNOWN_INPUT',
      `${member(where, unknown)}: the model has no input "${unknown}"; its inputs are ${describeInputs(inputs)}`,
      {
        field: member(where, unknown),
        expected: `one of ${inputs.map((i) => `"${i.name}"`).join(', ')}`,
        got: `"${unknown}"`,
      },
    );
}

function missing(where: string, input: ServedInput, inputs: readonly ServedInput[]): ServingError {
  return new ServingError(
    'E_MISSING_INPUT',
    `${where} has no "${input.name}": the model needs every input, ${describeInputs(inputs)}`,
    {
      field: member(where, input.name),
      expected: `${describeShape(input.shape)} ${input.dtype}`,
      got: 'nothing',
    },
  );
}

/** Copies every example of one input into one array, checking shape and values. */
function copyInput(examples: readonly Located[], input: ServedInput): RawInput {
  const shape = resolveShape(examples[0]!, input);
  const size = shape.reduce((a, b) => a * b, 1);
  const values: RawValues =
    input.values === 'pixels'
      ? new Uint8Array(examples.length * size)
      : input.values === 'integer'
        ? new Int32Array(examples.length * size)
        : new Float64Array(examples.length * size);
  let offset = 0;
  const copy = (value: unknown, where: string, level: number): void => {
    if (level === shape.length) {
      values[offset++] = checkedValue(value, where, input);
      return;
    }
    const length = shape[level]!;
    if (!Array.isArray(value) || value.length !== length)
      throw wrongShape(where, value, length, level, input, shape);
    for (let k = 0; k < length; k++) copy(value[k], `${where}[${k}]`, level + 1);
  };
  for (const example of examples) copy(example.value, example.where, 0);
  return { values, shape };
}

/** The input's shape with open dimensions taken from the first example. */
function resolveShape(first: Located, input: ServedInput): number[] {
  let value = first.value;
  let where = first.where;
  return input.shape.map((d, level) => {
    const length = Array.isArray(value) ? value.length : undefined;
    if (d === null && (length === undefined || length === 0))
      throw wrongShape(where, value, undefined, level, input, input.shape);
    value = Array.isArray(value) ? (value as unknown[])[0] : undefined;
    where = `${where}[0]`;
    return d ?? length!;
  });
}

function checkedValue(value: unknown, where: string, input: ServedInput): number {
  if (input.values === 'pixels') {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 255) return value;
    throw new ServingError(
      'E_BAD_PIXEL',
      `${where} is ${JSON.stringify(value)}; pixel values must be integers 0–255 (raw bytes; the server applies the training preprocessing)`,
      { field: where, expected: 'an integer 0–255', got: describeValue(value) },
    );
  }
  if (input.values === 'integer') {
    if (typeof value === 'number' && Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX)
      return value;
    throw new ServingError(
      'E_BAD_VALUE',
      `${where} is ${describeValue(value)}; input "${input.name}" is int32: send integers from ${INT32_MIN} to ${INT32_MAX}`,
      { field: where, expected: 'an int32 integer', got: describeValue(value) },
    );
  }
  if (typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= FLOAT32_MAX) return value;
  throw new ServingError(
    'E_BAD_VALUE',
    `${where} is ${describeValue(value)}; input "${input.name}" is float32: send finite numbers within ±3.4e38`,
    { field: where, expected: 'a float32 number', got: describeValue(value) },
  );
}

function wrongShape(
  where: string,
  value: unknown,
  length: number | undefined,
  level: number,
  input: ServedInput,
  shape: readonly (number | null)[],
): ServingError {
  const expected =
    length === undefined ? 'a non-empty array (an open dimension)' : `an array of length ${length}`;
  const hint =
    input.values === 'pixels'
      ? `an image must be a ${shape.join('×')} nested array (rows of pixels of [r, g, b])`
      : `each example of input "${input.name}" is a nested array of shape ${describeShape(shape)} (${input.dtype})`;
  const details: ServingErrorDetails = { field: where, expected, got: describeLength(value) };
  return new ServingError(
    'E_BAD_SHAPE',
    `${where}: expected ${expected} (dimension ${level + 1} of ${describeShape(shape)}), got ${describeLength(value)}; ${hint}`,
    details,
  );
}

/** Nesting depth along first elements: `[[1, 2]]` is 2. */
function depth(value: unknown): number {
  let d = 0;
  while (Array.isArray(value)) {
    d += 1;
    value = (value as unknown[])[0];
  }
  return d;
}

function exampleNoun(inputs: readonly ServedInput[]): string {
  return inputs.length === 1 && inputs[0]!.values === 'pixels'
    ? `${inputs[0]!.shape.join('×')} images`
    : 'examples';
}

function member(where: string, name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `${where}.${name}` : `${where}[${JSON.stringify(name)}]`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeValue(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value);
  return describeLength(value);
}

function describeLength(value: unknown): string {
  return Array.isArray(value) ? `an array of length ${value.length}` : typeName(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
