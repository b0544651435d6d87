import { describe, expect, it } from 'vitest';
import { openSealed, seal } from '../../../src/tracking/sealed-json.js';

const KIND = 'test-kind';
const payload = JSON.stringify({ id: 'x', body: { loss: [0.5, 0.25], note: 'ünïcode }' } });
const file = Buffer.from(seal(KIND, 2, payload));

describe('sealed JSON files', () => {
  it('are JSON themselves and open to the payload they sealed', () => {
    // The object's own members stay where readers of unsealed files look for them.
    expect(JSON.parse(file.toString('utf8'))).toEqual({
      format: 2,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      ...JSON.parse(payload),
    });
    expect(openSealed(file, KIND, [2])).toEqual({ state: 'sealed', format: 2, text: payload });
  });

  it('tell files without the sealed header apart (older files) from damaged sealed ones', () => {
    expect(openSealed(Buffer.from('{"id":"x","body":1}'), KIND, [2])).toEqual({ state: 'unsealed' });
    expect(openSealed(Buffer.from('garbage'), KIND, [2])).toEqual({ state: 'unsealed' });
    expect(openSealed(Buffer.alloc(0), KIND, [2])).toMatchObject({ state: 'damaged', reason: /empty/ });
    // A few bytes of a sealed file are a torn sealed file, not an older one.
    expect(openSealed(Buffer.from('{"form'), KIND, [2])).toMatchObject({ state: 'damaged' });
  });

  it('refuse a format they were not told to read, another kind of file, and another payload', () => {
    expect(openSealed(Buffer.from(seal(KIND, 3, payload)), KIND, [2])).toMatchObject({
      state: 'damaged',
      reason: /format 3, which this release does not read/,
    });
    expect(openSealed(Buffer.from(seal('other-kind', 2, payload)), KIND, [2])).toMatchObject({
      state: 'damaged',
      reason: /checksum/,
    });
    // The version is hashed too: a header changed to another version this release reads fails.
    const relabelled = Buffer.from(seal(KIND, 2, payload).replace('"format":2', '"format":3'));
    expect(openSealed(relabelled, KIND, [2, 3])).toMatchObject({ state: 'damaged', reason: /checksum/ });
  });

  it('never pass a torn write: no prefix of a sealed file opens, nor a prefix filled up to its length', () => {
    for (let length = 0; length < file.length; length += 1) {
      const prefix = file.subarray(0, length);
      // What a crash can leave when the size reached the disk but the data did not: zeros, or other bytes.
      const torn = [
        prefix,
        Buffer.concat([prefix, Buffer.alloc(file.length - length)]),
        Buffer.concat([prefix, Buffer.alloc(file.length - length, ' ')]),
        Buffer.concat([prefix, Buffer.alloc(file.length - length, '}')]),
      ].filter((bytes) => !bytes.equals(file)); // a prefix of all but the last '}' filled with '}' is whole
      for (const bytes of torn)
        expect(openSealed(bytes, KIND, [2]).state, `prefix of ${length} bytes`).not.toBe('sealed');
    }
  });

  it('detect every single-bit flip anywhere in the file', () => {
    let flips = 0;
    for (let byte = 0; byte < file.length; byte += 1) {
      for (let bit = 0; bit < 8; bit += 1) {
        const damaged = Buffer.from(file);
        damaged[byte]! ^= 1 << bit;
        const result = openSealed(damaged, KIND, [2]);
        // An older-looking file is no pass either: the outbox then checks it as an entry and refuses it.
        if (result.state === 'sealed') throw new Error(`flip of bit ${bit} of byte ${byte} passed`);
        flips += 1;
      }
    }
    expect(flips).toBe(file.length * 8);
  });
});
