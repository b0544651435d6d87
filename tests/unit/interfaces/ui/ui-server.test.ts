/**
 * The live page's server against a fake backend: pages and JSON, run and workflow links, the actions,
 * error answers, and the two guards (a POST with another Origin or none is refused; on loopback a
 * request for another host name is refused, as a DNS-rebinding page's would be).
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../../src/core/common/errors.js';
import type { UiBackend } from '../../../../src/interfaces/ui/backend.js';
import { isLoopbackHost, startUiServer, type UiServer } from '../../../../src/interfaces/ui/server.js';
import type { LiveResults } from '../../../../src/interfaces/ui/live-results.js';
import { createResultsCache } from '../../../../src/interfaces/ui/live-results.js';
import type { SweepStatus } from '../../../../src/temporal/client/sweeps.js';

const SWEEP = 'demo-1a2b3c4d-20261207T210000Z';

function fakeBackend(calls: string[]): UiBackend {
  const known = (id: string) => {
    if (id !== SWEEP) throw new UserError('E_SWEEP_NOT_FOUND', `no sweep with id '${id}'.`);
  };
  const results: LiveResults = {
    sweepId: SWEEP,
    records: 2,
    groups: [{ groupKey: 'g1', label: 'model=fc', n: 2, mean: 0.5, ci95: [0.4, 0.6], missing: 1 }],
    charts: [],
    runs: { k1: 'run1' },
    builtAt: '2026-12-07T21:00:00.000Z',
  };
  return {
    list: async () => [
      { sweepId: SWEEP, sweepName: 'demo', status: 'RUNNING', startTime: '2026-12-07T21:00:00.000Z' },
    ],
    status: async (id) => {
      known(id);
      return { sweepId: id, runId: 'r', sweepName: 'demo', status: 'RUNNING', startTime: 'x' } as SweepStatus;
    },
    results: async (id, version) => {
      known(id);
      calls.push(`results ${version}`);
      return { ...results, stale: false };
    },
    pause: async (id) => void (known(id), calls.push(`pause ${id}`)),
    unpause: async (id) => void (known(id), calls.push(`unpause ${id}`)),
    cancel: async (id) => void (known(id), calls.push(`cancel ${id}`)),
  };
}

/** One HTTP request with exactly the headers given (fetch would set Origin and Host itself). */
function call(
  server: UiServer,
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path,
        method: options.method ?? 'GET',
        headers: { host: `127.0.0.1:${server.port}`, ...options.headers },
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('seedsweep ui server', () => {
  const calls: string[] = [];
  let server: UiServer;
  let origin: string;

  beforeAll(async () => {
    server = await startUiServer({
      backend: fakeBackend(calls),
      links: { mlflow: 'http://127.0.0.1:5000/', temporal: 'http://127.0.0.1:8233', namespace: 'default' },
      port: 0,
    });
    origin = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server?.close();
  });

  it('serves the list page, a sweep page and their script under a strict content security policy', async () => {
    const list = await call(server, '/');
    expect(list.status).toBe(200);
    expect(list.body).toContain('<table id="sweeps">');
    expect(String(list.headers['content-security-policy'])).toContain("script-src 'self'");
    const page = await call(server, `/sweeps/${encodeURIComponent('a"<b>')}`);
    expect(page.body).toContain('data-sweep-id="a&quot;&lt;b&gt;"');
    expect(page.body).not.toContain('<b>');
    const js = await call(server, '/app.js');
    expect(js.headers['content-type']).toMatch(/javascript/);
  });

  it('answers the list, a sweep with its workflow link, and results with MLflow run links', async () => {
    const list = JSON.parse((await call(server, '/api/sweeps')).body) as { sweeps: { sweepId: string }[] };
    expect(list.sweeps.map((s) => s.sweepId)).toEqual([SWEEP]);
    const sweep = JSON.parse((await call(server, `/api/sweeps/${SWEEP}`)).body) as {
      links: { temporal: string };
    };
    expect(sweep.links.temporal).toBe(`http://127.0.0.1:8233/namespaces/default/workflows/${SWEEP}`);
    const results = JSON.parse((await call(server, `/api/sweeps/${SWEEP}/results?version=v1`)).body) as {
      runLinks: Record<string, string>;
      groups: unknown[];
    };
    expect(results.runLinks).toEqual({ k1: 'http://127.0.0.1:5000/#/runs/run1' });
    expect(results.groups).toHaveLength(1);
    expect(calls).toContain('results v1');
  });

  it('runs pause, unpause and cancel for a POST from its own origin', async () => {
    for (const action of ['pause', 'unpause', 'cancel']) {
      const answer = await call(server, `/api/sweeps/${SWEEP}/${action}`, {
        method: 'POST',
        headers: { origin },
      });
      expect(answer.status, answer.body).toBe(200);
      expect(calls).toContain(`${action} ${SWEEP}`);
    }
  });

  it('refuses a POST without the page origin: another site, none, or a cross-site fetch', async () => {
    const before = calls.length;
    const refused: Record<string, string>[] = [
      { origin: 'http://evil.example' },
      {},
      { origin: 'null' },
      { origin, 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of refused) {
      const answer = await call(server, `/api/sweeps/${SWEEP}/pause`, { method: 'POST', headers });
      expect(answer.status).toBe(403);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'E_UI_ORIGIN' } });
    }
    expect(calls.length).toBe(before);
  });

  it('refuses requests for another host name (DNS rebinding), also with a matching origin', async () => {
    const get = await call(server, '/api/sweeps', { headers: { host: `evil.example:${server.port}` } });
    expect(get.status).toBe(421);
    const post = await call(server, `/api/sweeps/${SWEEP}/cancel`, {
      method: 'POST',
      headers: { host: `evil.example:${server.port}`, origin: `http://evil.example:${server.port}` },
    });
    expect(post.status).toBe(421);
    const localhost = await call(server, '/api/sweeps', { headers: { host: `localhost:${server.port}` } });
    expect(localhost.status).toBe(200);
  });

  it('answers an unknown sweep, action or method with a JSON error', async () => {
    const unknown = await call(server, '/api/sweeps/nope/pause', { method: 'POST', headers: { origin } });
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ error: { code: 'E_SWEEP_NOT_FOUND' } });
    expect(
      (await call(server, `/api/sweeps/${SWEEP}/terminate`, { method: 'POST', headers: { origin } })).status,
    ).toBe(404);
    expect((await call(server, '/api/sweeps', { method: 'DELETE' })).status).toBe(405);
    expect((await call(server, '/api/sweeps/%E0%A4%A')).status).toBe(400);
  });

  it('calls a host loopback only when it is', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'].every(isLoopbackHost)).toBe(true);
    expect(['0.0.0.0', '192.168.1.2', 'example.com', '::'].some(isLoopbackHost)).toBe(false);
  });
});

describe('live results cache', () => {
  const results = (n: number): LiveResults => ({
    sweepId: 's',
    records: n,
    groups: [],
    charts: [],
    runs: {},
    builtAt: String(n),
  });

  it('rebuilds when the version changes, at most once per interval, serving the last results meanwhile', async () => {
    let clock = 0;
    let builds = 0;
    const cache = createResultsCache({
      build: async () => results(++builds),
      minIntervalMs: 1000,
      now: () => clock,
    });
    expect(await cache.get('s', 'a')).toMatchObject({ records: 1, stale: false });
    expect(await cache.get('s', 'a')).toMatchObject({ records: 1, stale: false });
    clock = 500;
    expect(await cache.get('s', 'b')).toMatchObject({ records: 1, stale: true });
    clock = 1500;
    expect(await cache.get('s', 'b')).toMatchObject({ records: 2, stale: false });
    expect(builds).toBe(2);
  });

  it('keeps the results of the sweeps asked most recently', async () => {
    let builds = 0;
    const cache = createResultsCache({ build: async () => results(++builds), maxSweeps: 2 });
    await cache.get('a', 'v');
    await cache.get('b', 'v');
    await cache.get('a', 'v');
    await cache.get('c', 'v'); // drops b, the least recently asked
    expect(builds).toBe(3);
    await cache.get('a', 'v');
    expect(builds).toBe(3);
    await cache.get('b', 'v');
    expect(builds).toBe(4);
  });

  it('shares one build between concurrent asks', async () => {
    let builds = 0;
    const cache = createResultsCache({
      build: async () => {
        builds += 1;
        await new Promise((r) => setTimeout(r, 20));
        return results(builds);
      },
    });
    const answers = await Promise.all([cache.get('s', 'a'), cache.get('s', 'a'), cache.get('s', 'a')]);
    expect(answers.map((a) => a.records)).toEqual([1, 1, 1]);
    expect(builds).toBe(1);
  });
});
