import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromJson, toJson } from '../../../src/tracking/json-numbers.js';
import { Outbox } from '../../../src/tracking/outbox.js';

describe('JSON keeping non-finite numbers', () => {
  it('round-trips NaN and ±Infinity, and leaves everything else as plain JSON', () => {
    const value = {
      epoch: 2,
      loss: Number.NaN,
      up: Number.POSITIVE_INFINITY,
      down: Number.NEGATIVE_INFINITY,
      name: 'NaN',
      list: [1, Number.NaN],
    };
    expect(fromJson(toJson(value))).toEqual(value);
    expect(toJson({ a: 1, b: 'x' })).toBe(JSON.stringify({ a: 1, b: 'x' }));
    expect(fromJson('{"$number":"NaN","other":1}')).toEqual({ $number: 'NaN', other: 1 });
  });

  it('the outbox journal keeps a NaN metric', () => {
    const outbox = new Outbox<{ loss: number }>({ dir: mkdtempSync(path.join(os.tmpdir(), 'outbox-nan-')) });
    const id = outbox.append({ loss: Number.NaN });
    expect(outbox.read(id)?.body.loss).toBeNaN();
  });
});
