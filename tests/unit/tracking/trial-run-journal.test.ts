/**
 * The trial-run journal under damage: a note whose bytes changed must not be taken for a run id. It
 * is set aside with the reason, the trial counts as unknown, and `damaged` says it once was known.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunMode, TrialRunJournal, type TrialRunState } from '../../../src/tracking/trial-run-journal.js';

const state: TrialRunState = {
  sweepId: 'sweep-1',
  trialKey: 'a'.repeat(64),
  startEntryId: '000001-000000001-1-abcd',
  runId: '0123456789abcdef0123456789abcdef',
  mode: RunMode.owned,
  attempt: 1,
  paramsPending: [{ key: 'lr', value: '0.01' }],
};

function journal() {
  const warnings: string[] = [];
  const runs = new TrialRunJournal({
    dir: mkdtempSync(path.join(os.tmpdir(), 'runs-')),
    warn: (m) => warnings.push(m),
  });
  runs.set(state);
  const [name] = readdirSync(runs.dir);
  return { runs, warnings, file: path.join(runs.dir, name!) };
}

describe('TrialRunJournal', () => {
  it('writes sealed notes and reads them back', () => {
    const { runs, file } = journal();
    expect(readFileSync(file, 'utf8')).toMatch(/^\{"format":2,"sha256":"[0-9a-f]{64}","sweepId":"/);
    expect(runs.get(state.sweepId, state.trialKey)).toEqual(state);
    expect(runs.damaged(state.sweepId, state.trialKey)).toBe(false);
  });

  it("reads the previous release's notes (plain JSON)", () => {
    const { runs, file } = journal();
    writeFileSync(file, JSON.stringify(state));
    expect(runs.get(state.sweepId, state.trialKey)).toEqual(state);
  });

  it('never takes a damaged note for a run: every bit flip and every truncation is set aside', () => {
    const { runs, file, warnings } = journal();
    const good = readFileSync(file);
    const damages: Buffer[] = [];
    for (let byte = 0; byte < good.length; byte += 17)
      for (let bit = 0; bit < 8; bit += 1) {
        const flipped = Buffer.from(good);
        flipped[byte]! ^= 1 << bit;
        damages.push(flipped);
      }
    for (let length = 0; length < good.length; length += 7) damages.push(good.subarray(0, length));
    for (const bytes of damages) {
      writeFileSync(file, bytes);
      expect(runs.get(state.sweepId, state.trialKey)).toBeUndefined();
    }
    expect(runs.damaged(state.sweepId, state.trialKey)).toBe(true);
    // Each one kept (none overwritten), each with its reason, and said.
    const quarantined = readdirSync(path.join(runs.dir, 'quarantine'));
    expect(quarantined.filter((n) => n.endsWith('.json'))).toHaveLength(damages.length);
    expect(quarantined.filter((n) => n.endsWith('.reason'))).toHaveLength(damages.length);
    expect(warnings).toHaveLength(damages.length);
    expect(readdirSync(runs.dir)).toEqual(['quarantine']);
  });

  it("sets aside a note of another trial found under this trial's name", () => {
    const { runs, file } = journal();
    writeFileSync(file, JSON.stringify({ ...state, trialKey: 'b'.repeat(64) }));
    expect(runs.get(state.sweepId, state.trialKey)).toBeUndefined();
    expect(runs.damaged(state.sweepId, state.trialKey)).toBe(true);
  });
});
