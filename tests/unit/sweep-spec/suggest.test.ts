/**
 * Did-you-mean with capped distances (src/sweep-spec/suggest.ts): a spec with 100,000 unknown keys
 * asks for a suggestion per key, so distances are computed only up to what could still be suggested.
 * The answers must be those of the plain, uncapped computation, kept here as the reference.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KNOWN_KEYS } from '../../../src/sweep-spec/schema.js';
import { closest, editDistance } from '../../../src/sweep-spec/suggest.js';

/** The uncapped closest candidate, as suggest.ts computed it before the cap. */
function referenceClosest(input: string, candidates: readonly string[]): string | undefined {
  const normalise = (name: string) => name.toLowerCase().replace(/[_-]/g, '');
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const limit = Math.max(1, Math.floor(candidate.length / 3));
    if (
      Math.abs(input.length - candidate.length) > limit &&
      Math.abs(normalise(input).length - normalise(candidate).length) > limit
    )
      continue;
    const distance = Math.min(
      editDistance(input, candidate),
      editDistance(normalise(input), normalise(candidate)),
    );
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined) return undefined;
  return bestDistance <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

const known = [...new Set(Object.values(KNOWN_KEYS).flat())];
const alphabet = fc.constantFrom(...'abcdeilnrst_-AER'.split(''));
const word = fc.string({ unit: alphabet, maxLength: 16 });

/** A known key with a few typing slips (swaps, drops, doubles, case changes). */
const slip = fc
  .tuple(fc.constantFrom(...known), fc.array(fc.tuple(fc.nat(3), fc.nat(20), alphabet), { maxLength: 4 }))
  .map(([key, edits]) => {
    let text = key;
    for (const [kind, at, c] of edits) {
      const i = at % Math.max(1, text.length);
      if (kind === 0) text = text.slice(0, i) + c + text.slice(i);
      else if (kind === 1) text = text.slice(0, i) + text.slice(i + 1);
      else if (kind === 2)
        text = text.slice(0, i) + (text[i + 1] ?? '') + (text[i] ?? '') + text.slice(i + 2);
      else text = text.slice(0, i) + (text[i] ?? '').toUpperCase() + text.slice(i + 1);
    }
    return text;
  });

describe('did-you-mean with capped distances', () => {
  it('a capped distance is the distance, or cap + 1 when it is larger', () => {
    fc.assert(
      fc.property(word, word, fc.nat(6), (a, b, cap) => {
        expect(editDistance(a, b, cap)).toBe(Math.min(editDistance(a, b), cap + 1));
      }),
      { seed: 20, numRuns: 3_000 },
    );
  });

  it('suggests what the uncapped computation suggests', () => {
    fc.assert(
      fc.property(
        fc.oneof(slip, word),
        fc.oneof(fc.constant(known), fc.subarray(known, { minLength: 1 }), fc.array(word, { maxLength: 8 })),
        (input, candidates) => {
          expect(closest(input, candidates)).toBe(referenceClosest(input, candidates));
        },
      ),
      { seed: 20, numRuns: 3_000 },
    );
    expect(closest('eraly_stopping', known)).toBe('early_stopping');
    expect(closest('k12345', known)).toBeUndefined();
  });
});
