/**
 * HTTP/1.1 over a bare socket, for the serving tests that send what fetch refuses to (malformed
 * request lines, lying Content-Length, bodies cut short, bytes trickled slowly) and need to see the
 * answer byte for byte: one request per connection, one response parsed strictly.
 */
import net from 'node:net';

/** One response as it came off the wire. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** What became of one request. */
export type RawOutcome =
  | { kind: 'answered'; response: RawResponse; elapsedMs: number }
  /** The connection closed before a byte of an answer. */
  | { kind: 'closed'; elapsedMs: number }
  /** No whole answer by the deadline. */
  | { kind: 'hang'; got: string }
  /** Bytes came that are not a well-formed HTTP/1.1 response. */
  | { kind: 'malformed'; why: string; got: string };

/** A piece of the request: bytes to write, or a pause before the next piece. */
export type RawPart = Uint8Array | string | { pauseMs: number };

/**
 * Writes `parts` to a new connection to 127.0.0.1:`port` and reads one response (no body for HEAD).
 * The connection is left open while waiting, so a server that waits for more body is seen waiting;
 * it is destroyed once the answer is whole, or at the deadline.
 */
export function rawExchange(
  port: number,
  parts: readonly RawPart[],
  options: { deadlineMs: number; head?: boolean },
): Promise<RawOutcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let done = false;
    const finish = (outcome: RawOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      socket.destroy();
      resolve(outcome);
    };
    const deadline = setTimeout(
      () => finish({ kind: 'hang', got: received.subarray(0, 300).toString('latin1') }),
      options.deadlineMs,
    );
    const check = (ended: boolean) => {
      const parsed = parseResponse(received, options.head ?? false);
      if (parsed.kind === 'whole')
        finish({ kind: 'answered', response: parsed.response, elapsedMs: performance.now() - started });
      else if (parsed.kind === 'malformed')
        finish({ kind: 'malformed', why: parsed.why, got: received.subarray(0, 300).toString('latin1') });
      else if (ended)
        finish(
          received.length === 0
            ? { kind: 'closed', elapsedMs: performance.now() - started }
            : {
                kind: 'malformed',
                why: 'the connection closed inside the response',
                got: received.subarray(0, 300).toString('latin1'),
              },
        );
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      check(false);
    });
    socket.on('end', () => check(true));
    socket.on('close', () => check(true));
    // The server may close while we are still writing (an early 413): the answer already read counts.
    socket.on('error', () => {});
    socket.once('connect', () => {
      void (async () => {
        for (const part of parts) {
          if (done || socket.destroyed) return;
          if (typeof part === 'object' && 'pauseMs' in part) {
            await new Promise((r) => setTimeout(r, part.pauseMs));
          } else if (!socket.write(part)) {
            await new Promise<void>((r) => {
              socket.once('drain', r);
              socket.once('close', r);
            });
          }
        }
      })();
    });
  });
}

type Parsed =
  { kind: 'whole'; response: RawResponse } | { kind: 'partial' } | { kind: 'malformed'; why: string };

/** Parses one response from the start of `bytes`; Content-Length is required (our server always sends it). */
export function parseResponse(bytes: Buffer, head: boolean): Parsed {
  // Interim answers (100 Continue to Expect: 100-continue) come before the response.
  while (/^HTTP\/1\.1 1\d\d [^\r\n]*\r\n\r\n/.test(bytes.subarray(0, 200).toString('latin1')))
    bytes = bytes.subarray(bytes.indexOf('\r\n\r\n') + 4);
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) {
    if (bytes.length > 64 * 1024) return { kind: 'malformed', why: 'no end of headers in 64 KiB' };
    if (bytes.length >= 5 && !bytes.subarray(0, 5).equals(Buffer.from('HTTP/')))
      return { kind: 'malformed', why: 'does not start with HTTP/' };
    return { kind: 'partial' };
  }
  const lines = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const statusLine = /^HTTP\/1\.1 (\d{3}) [\x20-\x7e]*$/.exec(lines[0]!);
  if (!statusLine) return { kind: 'malformed', why: `bad status line ${JSON.stringify(lines[0])}` };
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/.exec(line);
    if (!match) return { kind: 'malformed', why: `bad header line ${JSON.stringify(line)}` };
    const name = match[1]!.toLowerCase();
    if (name in headers && name === 'content-length')
      return { kind: 'malformed', why: 'two Content-Length headers' };
    headers[name] = match[2]!;
  }
  const status = Number(statusLine[1]);
  const length = headers['content-length'];
  if (length === undefined || !/^\d+$/.test(length))
    return { kind: 'malformed', why: `Content-Length ${JSON.stringify(length)}` };
  const bodyLength = head || status === 204 || status === 304 ? 0 : Number(length);
  const start = end + 4;
  if (bytes.length < start + bodyLength) return { kind: 'partial' };
  return { kind: 'whole', response: { status, headers, body: bytes.subarray(start, start + bodyLength) } };
}

/** A request's bytes: request line, headers (Content-Length from the body unless given), body. */
export function requestBytes(
  method: string,
  target: string,
  headers: readonly (readonly [string, string])[],
  body: Uint8Array = new Uint8Array(0),
): Buffer {
  const hasLength = headers.some(([name]) => /^(content-length|transfer-encoding)$/i.test(name));
  const lines = [
    `${method} ${target} HTTP/1.1`,
    'Host: 127.0.0.1',
    ...headers.map(([name, value]) => `${name}: ${value}`),
    ...(hasLength || (body.length === 0 && method !== 'POST') ? [] : [`Content-Length: ${body.length}`]),
  ];
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}
