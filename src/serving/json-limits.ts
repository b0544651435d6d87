/**
 * Limits checked on a JSON body before `JSON.parse`, in one pass over its bytes. The body limit alone
 * does not bound the work: 6 MiB of `[[[[…` takes V8 about 4 s of CPU (the event loop blocked, /ping
 * with it) and 200 MB to parse, and 6 MiB of `[],[],…` 2 s and 160 MB, though neither can be a valid
 * request. A model's input signature bounds what a valid request holds, so anything nested deeper, or
 * holding more values and arrays than its largest valid request, is refused unparsed.
 */
import { ServingError } from './errors.js';
import type { ServedInput } from './served-model.js';

/** What a JSON body of one served model may hold. */
export interface JsonLimits {
  /** Deepest nesting of arrays and objects. */
  maxDepth: number;
  /**
   * Most structural tokens (`[`, `{`, `,`, `:` outside strings): twice as many as the largest valid
   * request holds (so that a request a little over the batch limit is told so by name); unbounded
   * when an input has an open dimension.
   */
  maxTokens: number;
  /** Most arrays and objects (the costly part of parsing), on the same terms as `maxTokens`. */
  maxContainers: number;
  /** Arrays and objects allowed per scalar value (plus a small allowance): stops bodies of empty arrays. */
  containersPerValue: number;
}

/** Nesting a request adds around an example: the body object, `inputs`/`instances`, the list, an object row. */
const WRAPPER_DEPTH = 4;
/** Allowance for the body's own object and lists, and an odd short request. */
const SLACK_TOKENS = 64;

/** The limits for a model with these inputs and this batch limit. */
export function jsonLimitsFor(inputs: readonly ServedInput[], maxBatch: number): JsonLimits {
  const maxRank = Math.max(0, ...inputs.map((input) => input.shape.length));
  let tokens = 2; // an example's object row and the comma after it
  let containers = 1;
  let open = false;
  for (const input of inputs) {
    let arrays = 0;
    let values = 1;
    for (const d of input.shape) {
      if (d === null) open = true;
      arrays += values; // every array of this level
      values *= d ?? 1;
    }
    // `[` per array, a comma after each value and array, a `:` naming the input in an object row.
    tokens += 2 * arrays + values + 1;
    containers += arrays;
  }
  const bound = (perExample: number) =>
    open ? Number.POSITIVE_INFINITY : 2 * maxBatch * perExample + SLACK_TOKENS;
  return {
    maxDepth: maxRank + WRAPPER_DEPTH,
    maxTokens: bound(tokens),
    maxContainers: bound(containers),
    containersPerValue: maxRank + 2,
  };
}

/**
 * Scans `body` (UTF-8 JSON; validity is left to `JSON.parse`) against `limits`.
 * @throws ServingError E_JSON_TOO_DEEP, E_TOO_MANY_VALUES, or E_BAD_SHAPE for arrays holding no values
 */
export function checkJsonLimits(body: Uint8Array, limits: JsonLimits): void {
  let depth = 0;
  let tokens = 0;
  let containers = 0;
  let values = 0;
  let expectValue = true; // after `[`, `,`, `:` or at the start: the next non-space byte begins a value
  for (let i = 0; i < body.length; i++) {
    const byte = body[i]!;
    switch (byte) {
      case 0x5b: // [
      case 0x7b: // {
        depth += 1;
        containers += 1;
        tokens += 1;
        expectValue = true;
        if (containers > limits.maxContainers) throw tooMany(limits);
        if (depth > limits.maxDepth)
          throw new ServingError(
            'E_JSON_TOO_DEEP',
            `the JSON nests more than ${limits.maxDepth} levels deep (at byte ${i}); requests to this model nest at most ${limits.maxDepth} levels (an example is an array as deep as its input's rank)`,
            { field: 'body', expected: `at most ${limits.maxDepth} levels`, got: 'deeper nesting' },
          );
        break;
      case 0x5d: // ]
      case 0x7d: // }
        depth -= 1;
        expectValue = false;
        break;
      case 0x2c: // ,
      case 0x3a: // :
        tokens += 1;
        expectValue = true;
        if (tokens > limits.maxTokens) throw tooMany(limits);
        break;
      case 0x20:
      case 0x09:
      case 0x0a:
      case 0x0d:
        break;
      case 0x22: // a string: skip to its closing quote
        if (expectValue) values += 1;
        expectValue = false;
        for (i += 1; i < body.length && body[i] !== 0x22; i++) if (body[i] === 0x5c) i += 1;
        break;
      default:
        if (expectValue) values += 1; // a number, true, false or null begins
        expectValue = false;
    }
  }
  if (containers > limits.containersPerValue * values + SLACK_TOKENS)
    throw new ServingError(
      'E_BAD_SHAPE',
      `the JSON holds ${containers} arrays and objects for ${values} values; an example is a nested array of numbers, so most arrays must hold values`,
      { field: 'body', expected: 'arrays of numbers', got: `${containers} arrays for ${values} values` },
    );
}

function tooMany(limits: JsonLimits): ServingError {
  return new ServingError(
    'E_TOO_MANY_VALUES',
    `the JSON holds far more values and arrays than this model's largest request (at most ${limits.maxContainers} arrays and ${limits.maxTokens} tokens); send fewer examples per request`,
    {
      field: 'body',
      expected: `at most ${limits.maxContainers} arrays, ${limits.maxTokens} tokens`,
      got: 'more',
    },
  );
}
