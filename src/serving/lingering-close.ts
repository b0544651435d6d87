/**
 * Closing a connection after an early answer (401, 408, 413, 503, a malformed request) without
 * losing that answer. A server that closes a socket while the client is still sending makes the
 * kernel reset the connection, and a client whose write then fails may discard the answer unread:
 * the fuzz saw exactly that. So the server half-closes instead (FIN after the answer), keeps reading
 * and dropping what still comes, and closes once the client does or after a bounded linger, as
 * nginx's `lingering_close` does.
 */
import type { Socket } from 'node:net';

/** Longest a connection is kept reading after its answer. */
export const LINGER_MS = 2_000;

const lingering = new WeakSet<Socket>();

/** Whether `socket` is already closing after an answer (further parse errors on it need no answer). */
export function isLingering(socket: Socket): boolean {
  return lingering.has(socket);
}

/** Half-closes `socket` once what was written to it is flushed; destroys it when the client closes, or after `lingerMs`. */
export function closeLingering(socket: Socket, lingerMs = LINGER_MS): void {
  if (lingering.has(socket) || socket.destroyed) return;
  lingering.add(socket);
  const timer = setTimeout(() => socket.destroy(), lingerMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.once('end', () => socket.destroy()); // the client is done sending: nothing left to reset
  socket.end();
  socket.resume(); // read and drop; a paused socket would fill its buffers and stall the client
}

/**
 * Makes Node's own close after a `Connection: close` answer (`destroySoon`, called once the answer
 * is written) linger as {@link closeLingering} does.
 */
export function lingerOnClose(socket: Socket, lingerMs = LINGER_MS): void {
  socket.destroySoon = () => closeLingering(socket, lingerMs);
}
