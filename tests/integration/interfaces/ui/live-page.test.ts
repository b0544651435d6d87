/**
 * `seedsweep ui` in headless Chromium against a running sweep on the real Temporal dev server and
 * MLflow server (in-process worker, no-op trainer): the list shows the sweep; its page shows the
 * progress counts, a group row with its objective from finished seeds, a chart, MLflow run and
 * Temporal workflow links; the Pause button pauses the sweep, Unpause runs it again, Cancel ends it.
 * A screenshot is taken; with SEEDSWEEP_UI_SCREENSHOT=<file> it is written there (docs/ui.png).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../../src/core/common/paths.js';
import { pauseSweep, unpauseSweep } from '../../../../src/interfaces/api/index.js';
import { createUiBackend } from '../../../../src/interfaces/ui/backend.js';
import { startUiServer, type UiServer } from '../../../../src/interfaces/ui/server.js';
import { createNoopTrainer } from '../../../../src/temporal/activities/noop-trainer.js';
import { querySweepProgress, submitSweep } from '../../../../src/temporal/client/sweeps.js';
import {
  fingerprintOf,
  realSweepSetup,
  startWorker,
  tinySpec,
  uniqueName,
  until,
  type InProcessWorker,
  type RealSweepSetup,
} from '../../temporal/harness.js';
import { cliArgs } from '../../../cli-entry.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const TEMPORAL_UI = 'http://127.0.0.1:8233';

/** Runs the CLI against the test servers: exit code and stderr. */
async function seedsweep(args: string[]): Promise<{ code: number; stderr: string }> {
  const env = {
    ...process.env,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    MLFLOW_TRACKING_URI: inject('mlflowUri'),
    SEEDSWEEP_STATE_DIR: mkdtempSync(path.join(os.tmpdir(), 'seedsweep-ui-')),
    CI: '1',
  };
  try {
    const { stderr } = await promisify(execFile)(process.execPath, [...cliArgs(), ...args], {
      cwd: PACKAGE_ROOT,
      env,
    });
    return { code: 0, stderr };
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

describe('seedsweep ui in a browser, on a live sweep', () => {
  let setup: RealSweepSetup;
  let worker: InProcessWorker;
  let ui: UiServer;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`,
      );
    setup = await realSweepSetup();
    // 0.7 s epochs, 3 epochs, 2 at a time: 12 trials take ~13 s unpaused, long enough to act mid-sweep.
    worker = await startWorker({
      connection: setup.connection,
      bundle: setup.bundle,
      tracker: setup.tracker,
      trainer: createNoopTrainer({ epochMilliseconds: 700 }),
      threads: 2,
    });
    ui = await startUiServer({
      backend: createUiBackend({ client: setup.client, tracker: setup.tracker, resultsIntervalMs: 0 }),
      links: { mlflow: process.env['MLFLOW_TRACKING_URI']!, temporal: TEMPORAL_UI, namespace: 'default' },
      port: 0,
      pollMs: 500,
    });
    browser = await chromium.launch({ executablePath: CHROMIUM });
  });

  afterAll(async () => {
    await browser?.close();
    await ui?.close();
    await worker?.stop();
    await setup?.connection.close();
  });

  it('lists the sweep, shows progress and groups, and pauses, unpauses and cancels it from the page', async () => {
    const { client } = setup;
    const spec = tinySpec({
      name: uniqueName('ui'),
      seeds: [0, 1, 2, 3, 4, 5],
      epochs: 3,
      concurrency: 2,
      models: ['fc', 'cnn'],
    });
    const { sweepId } = await submitSweep({
      client,
      spec,
      datasetFingerprint: await fingerprintOf(spec),
      taskQueues: worker.queues,
    });
    const phase = async () => (await querySweepProgress({ client, sweepId }))?.phase;

    const page = await browser.newPage({ viewport: { width: 1000, height: 1100 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('dialog', (d) => void d.accept());

    // The list: the sweep's row, running, links to its page.
    await page.goto(ui.url);
    const row = page.locator(`#sweeps tr[data-sweep-id="${sweepId}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('RUNNING');
    await row.locator('td[data-phase="running"]').waitFor();
    await row.locator('a').click();
    await page.waitForURL(`**/sweeps/${sweepId}`);

    // The sweep: counts by phase, a group row once a seed finished, a chart, run and workflow links.
    await page.locator('#status[data-status="RUNNING"]').waitFor();
    expect(await page.textContent('#counts td[data-count="total"]')).toBe('12');
    const group = page.locator('#groups tbody tr[data-group]').first();
    await group.waitFor({ timeout: 30_000 });
    expect(Number(await group.getAttribute('data-n'))).toBeGreaterThanOrEqual(1);
    expect(await group.locator('td').first().textContent()).toMatch(/model=(fc|cnn)/);
    expect(await page.locator('#charts figure.chart svg').count()).toBeGreaterThan(0);
    await page.locator('#trials a[href*="/#/runs/"]').first().waitFor();
    expect(await page.getAttribute('#links a[href*="/namespaces/"]', 'href')).toBe(
      `${TEMPORAL_UI}/namespaces/default/workflows/${sweepId}`,
    );

    // Pause: the sweep's phase becomes paused (Temporal says so, and the page).
    await page.click('#pause:not([disabled])');
    await page.locator('#status[data-phase="paused"]').waitFor();
    expect(await phase()).toBe('paused');
    expect(await page.isDisabled('#pause')).toBe(true);

    // Unpause: it runs again.
    await page.click('#unpause:not([disabled])');
    await page.locator('#status[data-phase="running"]').waitFor();
    expect(await phase()).toBe('running');

    // The API's pause and unpause do the same (the page follows).
    process.env['TEMPORAL_ADDRESS'] = inject('temporalAddress');
    await pauseSweep(sweepId);
    await page.locator('#status[data-phase="paused"]').waitFor();
    await unpauseSweep(sweepId);
    await page.locator('#status[data-phase="running"]').waitFor();
    expect(await phase()).toBe('running');

    const shot = await page.screenshot({ clip: { x: 0, y: 0, width: 1000, height: 1100 } });
    const png = PNG.sync.read(shot);
    expect([png.width, png.height]).toEqual([1000, 1100]);
    const target = process.env['SEEDSWEEP_UI_SCREENSHOT'];
    if (target) await writeFile(target, shot);

    // Cancel (confirmed in the dialog): the sweep ends cancelled.
    await page.click('#cancel:not([disabled])');
    await until(async () => {
      const status = (await client.workflow.getHandle(sweepId).describe()).status.name;
      return status !== 'RUNNING' ? status : undefined;
    }, 60_000);
    await page.locator('#status:not([data-status="RUNNING"])').waitFor();
    expect(problems).toEqual([]);
    await page.close();
  });

  it('unpause of an unknown sweep id fails in one line, from the CLI (exit code 2, as status) and the API', async () => {
    const cli = await seedsweep(['unpause', 'no-such-sweep']);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/^error\[E_SWEEP_NOT_FOUND\]: no sweep with id 'no-such-sweep'/m);
    process.env['TEMPORAL_ADDRESS'] = inject('temporalAddress');
    await expect(unpauseSweep('no-such-sweep')).rejects.toMatchObject({ code: 'E_SWEEP_NOT_FOUND' });
  });
});
