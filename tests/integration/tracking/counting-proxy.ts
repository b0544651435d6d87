/**
 * A loopback HTTP proxy in front of the real MLflow server of the integration setup: it counts the
 * requests that pass (by endpoint) and can lose the answer to one of them — the server carries the
 * request out, the client never hears back, as after a crash or a network cut right then.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  method: string;
  /** Path without the query, e.g. `/api/2.0/mlflow/runs/log-batch`. */
  path: string;
}

export class CountingProxy {
  readonly requests: ProxiedRequest[] = [];
  uri = '';
  private server: Server | undefined;
  private lose: ((request: ProxiedRequest) => boolean) | undefined;

  constructor(private readonly target: string) {}

  async start(): Promise<this> {
    const target = new URL(this.target);
    this.server = createServer((req, res) => {
      const seen: ProxiedRequest = {
        method: req.method ?? 'GET',
        path: new URL(req.url ?? '/', 'http://x').pathname,
      };
      this.requests.push(seen);
      const upstream = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host },
        },
        (answer) => {
          if (this.lose?.(seen)) {
            this.lose = undefined;
            answer.resume();
            answer.on('end', () => req.socket.destroy());
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => req.socket.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.uri = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** The next request matching `predicate` reaches MLflow, which answers; the client gets no answer. */
  loseAnswer(predicate: (request: ProxiedRequest) => boolean): void {
    this.lose = predicate;
  }

  /** Requests since `from` (an index into `requests`) by endpoint: `runs/create`, `PUT artifacts`, … */
  countsSince(from: number): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of this.requests.slice(from)) {
      const name = r.path.includes('mlflow-artifacts')
        ? `${r.method} artifacts`
        : (r.path.split('/mlflow/')[1] ?? r.path);
      counts[name] = (counts[name] ?? 0) + 1;
    }
    return counts;
  }
}
