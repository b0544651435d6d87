/**
 * The live page's script in headless Chromium against a fake backend (no Temporal): names from specs
 * are shown as text, never run as HTML; the buttons follow the phase; a refused action is said on the
 * page; the page runs under its content security policy without console errors.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../../src/core/common/errors.js';
import type { UiBackend } from '../../../../src/interfaces/ui/backend.js';
import { startUiServer, type UiServer } from '../../../../src/interfaces/ui/server.js';
import type { SweepStatus } from '../../../../src/temporal/client/sweeps.js';
import type { SweepProgress } from '../../../../src/temporal/shared/shared.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const HOSTILE = '<img src=x onerror="window.__owned=1">';
const SWEEP = 'hostile-1';

function progress(phase: SweepProgress['phase']): SweepProgress {
  return {
    sweepId: SWEEP,
    sweepName: HOSTILE,
    phase,
    counts: {
      total: 2,
      pending: 0,
      running: 1,
      finished: 1,
      failed: 0,
      earlyStopped: 0,
      cancelled: 0,
      skipped: 0,
    },
    trials: [
      { trialKey: 'k1', groupLabel: HOSTILE, seed: 0, state: 'finished', epochs: 1 },
      { trialKey: 'k2', groupLabel: HOSTILE, seed: 1, state: 'running', epoch: 0, epochs: 1 },
    ],
    page: { number: 1, size: 200, pages: 1, matching: 2 },
    continuedRuns: 0,
  };
}

describe('seedsweep ui page in a browser (fake backend)', () => {
  let browser: Browser;
  let server: UiServer;
  let phase: SweepProgress['phase'] = 'paused';

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`,
      );
    const backend: UiBackend = {
      list: async () => [{ sweepId: SWEEP, sweepName: HOSTILE, status: 'RUNNING', startTime: 't' }],
      status: async () =>
        ({
          sweepId: SWEEP,
          runId: 'r',
          sweepName: HOSTILE,
          status: 'RUNNING',
          startTime: 't',
          progress: progress(phase),
        }) as SweepStatus,
      results: async () => ({
        sweepId: SWEEP,
        records: 1,
        groups: [{ groupKey: 'g', label: HOSTILE, n: 1, mean: 0.5, ci95: null, missing: 1 }],
        charts: [],
        runs: { k1: 'run-1' },
        builtAt: 't',
        stale: false,
      }),
      pause: async () => {
        throw new UserError('E_SWEEP_NOT_RUNNING', 'sweep hostile-1 is not running (it is COMPLETED).');
      },
      unpause: async () => {
        phase = 'running';
      },
      cancel: async () => {},
    };
    server = await startUiServer({
      backend,
      links: { mlflow: 'http://127.0.0.1:5000', namespace: 'default' },
      port: 0,
      pollMs: 200,
    });
    browser = await chromium.launch({ executablePath: CHROMIUM });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows names as text, follows the phase with its buttons, and says why an action was refused', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    await page.goto(server.url);
    await page.locator(`#sweeps tr[data-sweep-id="${SWEEP}"]`).waitFor();
    expect(await page.textContent('#sweeps tbody td:nth-child(5)')).toBe(HOSTILE);

    await page.goto(`${server.url}sweeps/${SWEEP}`);
    await page.locator('#groups tbody tr[data-group="g"]').waitFor();
    expect(await page.textContent('#title')).toBe(HOSTILE);
    expect(await page.textContent('#groups tbody td')).toBe(HOSTILE);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __owned?: number }).__owned)).toBeUndefined();
    expect(await page.getAttribute('#trials tr[data-trial="k1"] a', 'href')).toBe(
      'http://127.0.0.1:5000/#/runs/run-1',
    );

    // Paused: only Unpause and Cancel; unpausing turns the page back to running.
    await page.locator('#status[data-phase="paused"]').waitFor();
    expect(await page.isDisabled('#pause')).toBe(true);
    await page.click('#unpause:not([disabled])');
    await page.locator('#status[data-phase="running"]').waitFor();
    expect(await page.isDisabled('#unpause')).toBe(true);

    // A refused action: its reason on the page.
    await page.click('#pause:not([disabled])');
    await page.locator('#message', { hasText: 'pause failed: sweep hostile-1 is not running' }).waitFor();
    expect(problems.filter((p) => !/status of 409/.test(p))).toEqual([]);
    await page.close();
  });
});
