/**
 * The live page's HTTP server (node:http, no framework): the page, its script and style, a JSON API
 * the page polls, and POST endpoints for pause, unpause and cancel.
 *
 * No authentication: it listens on loopback unless told otherwise. Two guards keep other web pages
 * out: the Host header must name this server (a DNS-rebinding page has its own host name), and a POST
 * must carry the page's own Origin (a cross-site form or fetch has another one, or none).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isUserError } from '../../core/common/errors.js';
import type { UiBackend } from './backend.js';
import { mlflowRunUrl, temporalWorkflowUrl, type UiLinks } from './links.js';
import { APP_CSS, APP_JS, pageHtml } from './page.js';

/** Options of {@link startUiServer}. */
export interface UiServerOptions {
  backend: UiBackend;
  links: UiLinks;
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** TCP port; 0 picks a free one. @default 8765 */
  port?: number;
  /** How often the page polls, in ms. @default 2000 */
  pollMs?: number;
}

/** A running server. */
export interface UiServer {
  /** The page's address, e.g. `http://127.0.0.1:8765/`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** True for a loopback host name or address (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

/** `host` as it appears in a URL (IPv6 in brackets). */
const urlHost = (host: string): string => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

/** HTTP status of a user error the client layer throws. */
function statusOf(code: string): number {
  if (code === 'E_SWEEP_NOT_FOUND') return 404;
  if (code === 'E_SWEEP_NOT_RUNNING') return 409;
  if (code.startsWith('E_TEMPORAL')) return 502;
  return 400;
}

const ACTIONS = ['pause', 'unpause', 'cancel'] as const;
type Action = (typeof ACTIONS)[number];

/** Starts the server; resolves once it listens. */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const host = options.host ?? '127.0.0.1';
  const { backend, links } = options;
  const loopback = isLoopbackHost(host);
  let port = options.port ?? 8765;

  /** Host headers this server answers: on loopback only its own names (DNS-rebinding guard). */
  const hostAllowed = (header: string | undefined): boolean => {
    if (!header) return false;
    if (!loopback) return true;
    const names = new Set(['127.0.0.1', 'localhost', '[::1]', urlHost(host).toLowerCase()]);
    return [...names].some((name) => header.toLowerCase() === `${name}:${port}`);
  };

  /** A POST comes from the page when its Origin is this very host (and the browser says same-origin). */
  const sameOrigin = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin;
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') return false;
    return origin !== undefined && origin === `http://${req.headers.host ?? ''}`;
  };

  const sweepJson = async (sweepId: string) => {
    const status = await backend.status(sweepId);
    return {
      status,
      links: {
        ...(links.temporal
          ? { temporal: temporalWorkflowUrl(links.temporal, links.namespace, sweepId) }
          : {}),
        ...(links.mlflow ? { mlflow: links.mlflow } : {}),
      },
    };
  };

  const resultsJson = async (sweepId: string, version: string) => {
    const results = await backend.results(sweepId, version);
    const mlflow = links.mlflow;
    const runLinks = mlflow
      ? Object.fromEntries(
          Object.entries(results.runs).map(([key, runId]) => [key, mlflowRunUrl(mlflow, runId)]),
        )
      : {};
    return { ...results, runLinks };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!hostAllowed(req.headers.host))
      return sendError(
        res,
        421,
        'E_UI_HOST',
        'this server answers only requests addressed to its own host name.',
      );
    const url = new URL(req.url ?? '/', 'http://ui.invalid');
    const parts = url.pathname
      .split('/')
      .filter((p) => p !== '')
      .map(decodeURIComponent);
    const method = req.method ?? 'GET';

    if (method === 'POST') {
      if (!sameOrigin(req))
        return sendError(
          res,
          403,
          'E_UI_ORIGIN',
          'cross-origin request refused: use the page this server serves.',
        );
      const [api, sweeps, sweepId, action] = parts;
      if (
        api !== 'api' ||
        sweeps !== 'sweeps' ||
        !sweepId ||
        !ACTIONS.includes(action as Action) ||
        parts.length !== 4
      )
        return sendError(res, 404, 'E_UI_NOT_FOUND', `no action at ${url.pathname}.`);
      await backend[action as Action](sweepId);
      return sendJson(res, 200, { ok: true, sweepId, action });
    }
    if (method !== 'GET' && method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD, POST');
      return sendError(res, 405, 'E_UI_METHOD', `${method} is not served.`);
    }
    if (url.pathname === '/app.js') return send(res, 200, 'text/javascript; charset=utf-8', APP_JS);
    if (url.pathname === '/app.css') return send(res, 200, 'text/css; charset=utf-8', APP_CSS);
    if (parts.length === 0)
      return send(res, 200, 'text/html; charset=utf-8', pageHtml({ pollMs: options.pollMs }));
    if (parts[0] === 'sweeps' && parts.length === 2)
      return send(
        res,
        200,
        'text/html; charset=utf-8',
        pageHtml({ sweepId: parts[1]!, pollMs: options.pollMs }),
      );
    if (parts[0] === 'api' && parts[1] === 'sweeps') {
      if (parts.length === 2) return sendJson(res, 200, { sweeps: await backend.list(), links });
      if (parts.length === 3) return sendJson(res, 200, await sweepJson(parts[2]!));
      if (parts.length === 4 && parts[3] === 'results')
        return sendJson(res, 200, await resultsJson(parts[2]!, url.searchParams.get('version') ?? ''));
    }
    return sendError(res, 404, 'E_UI_NOT_FOUND', `nothing at ${url.pathname}.`);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) return void res.end();
      if (error instanceof URIError)
        return sendError(res, 400, 'E_UI_BAD_PATH', 'the path is not valid UTF-8.');
      if (isUserError(error)) return sendError(res, statusOf(error.code), error.code, error.message);
      sendError(res, 500, 'E_UI_INTERNAL', error instanceof Error ? error.message : String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  // A wildcard address is where the server listens, not one to open: print this machine's loopback.
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return {
    url: `http://${urlHost(shown)}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
