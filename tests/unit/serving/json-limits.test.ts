/**
 * The limits a JSON body is held to before it is parsed: they refuse the bodies that cost seconds of
 * CPU and hundreds of MB to parse (deep nesting, empty arrays, far more values than a request holds),
 * and never a valid request of the model, however large.
 */
import { describe, expect, it } from 'vitest';
import { checkJsonLimits, jsonLimitsFor } from '../../../src/serving/json-limits.js';
import type { ServedInput } from '../../../src/serving/served-model.js';

const image: ServedInput = { name: 'image', shape: [32, 32, 3], dtype: 'float32', values: 'pixels' };
const features: ServedInput = { name: 'features', shape: [4], dtype: 'float32', values: 'number' };
const extra: ServedInput = { name: 'extra', shape: [2], dtype: 'float32', values: 'number' };
const sequence: ServedInput = { name: 'steps', shape: [null, 2], dtype: 'float32', values: 'number' };

const bytes = (text: string) => Buffer.from(text, 'utf8');
const codeOf = (body: string, inputs: ServedInput[], maxBatch: number) => {
  try {
    checkJsonLimits(bytes(body), jsonLimitsFor(inputs, maxBatch));
    return 'ok';
  } catch (error) {
    return (error as { code: string }).code;
  }
};

/** A nested array of `shape` filled with `value`. */
function filled(shape: number[], value: number): unknown {
  return shape.length === 0 ? value : Array.from({ length: shape[0]! }, () => filled(shape.slice(1), value));
}

describe('JSON limits before parsing', () => {
  it('let through the largest valid request of every form', () => {
    const images = Array.from({ length: 128 }, () => filled([32, 32, 3], 255));
    for (const body of [
      { instances: images },
      images,
      { inputs: images },
      { instances: images.map((x) => ({ image: x })) },
      { inputs: { image: images } },
    ])
      expect(codeOf(JSON.stringify(body), [image], 128)).toBe('ok');
    expect(codeOf(JSON.stringify({ instances: images }, null, 2), [image], 128)).toBe('ok');
    const rows = Array.from({ length: 4096 }, () => ({ features: [1.5, -2, 3e-7, 4], extra: [0, 1] }));
    expect(codeOf(JSON.stringify({ instances: rows }), [features, extra], 4096)).toBe('ok');
    const steps = { instances: [filled([5000, 2], 0.25)] };
    expect(codeOf(JSON.stringify(steps), [sequence], 1)).toBe('ok');
  });

  it('refuse nesting deeper than the inputs allow', () => {
    expect(codeOf(`${'['.repeat(7)}0${']'.repeat(7)}`, [image], 128)).toBe('ok');
    expect(codeOf(`${'['.repeat(8)}0${']'.repeat(8)}`, [image], 128)).toBe('E_JSON_TOO_DEEP');
    expect(codeOf(`${'['.repeat(3_000_000)}`, [image], 128)).toBe('E_JSON_TOO_DEEP');
    expect(codeOf(`{"a":${'{"a":'.repeat(10)}0`, [features], 10)).toBe('E_JSON_TOO_DEEP');
  });

  it('refuse more values and arrays than twice the largest request', () => {
    const over = JSON.stringify(Array.from({ length: 2 * 128 + 1 }, () => filled([32, 32, 3], 0)));
    expect(codeOf(over, [image], 128)).toBe('E_TOO_MANY_VALUES');
    expect(codeOf(`[${'0,'.repeat(3_000_000)}0]`, [features], 4096)).toBe('E_TOO_MANY_VALUES');
    expect(codeOf(`[${'[0],'.repeat(300_000)}[0]]`, [image], 128)).toBe('E_TOO_MANY_VALUES');
  });

  it('refuse arrays that hold no values, whatever the shape', () => {
    expect(codeOf(`[${'[],'.repeat(10_000)}[]]`, [sequence], 4096)).toBe('E_BAD_SHAPE');
    expect(codeOf(`[${'{},'.repeat(10_000)}{}]`, [features], 4096)).toBe('E_BAD_SHAPE');
  });

  it('read brackets, commas and escaped quotes inside strings as text', () => {
    const text = JSON.stringify({ instances: [[1, 2, 3, 4]], note: `${'[,:{'.repeat(50_000)}\\"["` });
    expect(codeOf(text, [features], 1)).toBe('ok');
    expect(codeOf(`"${'\\"['.repeat(1000)}`, [features], 1)).toBe('ok'); // unterminated: JSON.parse says so
  });
});
