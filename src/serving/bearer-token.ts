/**
 * The inference server's optional bearer token (`Authorization: Bearer <token>`, RFC 6750). The
 * token comes from the environment (SEEDSWEEP_SERVE_TOKEN), never from a flag, so that it does not
 * show in `ps` or shell history. Tokens are compared as SHA-256 digests with `timingSafeEqual`: equal
 * lengths whatever was sent, and no early exit that would let response times reveal a prefix.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { UserError } from '../core/common/errors.js';

/** The environment variable holding the token. */
export const SERVE_TOKEN_ENV = 'SEEDSWEEP_SERVE_TOKEN';

/** What a request's `Authorization` header amounts to. */
export type TokenVerdict = 'ok' | 'missing' | 'invalid';

/** Visible ASCII only: the characters an HTTP header value carries unchanged. */
const TOKEN_PATTERN = /^[\x21-\x7e]+$/;

/**
 * The token from `env`, or undefined when unset or empty (no token: every request is let in).
 * @throws UserError E_BAD_TOKEN when it holds spaces or characters a header cannot carry
 */
export function serveTokenFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const token = env[SERVE_TOKEN_ENV];
  if (token === undefined || token === '') return undefined;
  checkToken(token);
  return token;
}

/** @throws UserError E_BAD_TOKEN when `token` cannot be sent in an `Authorization` header. */
export function checkToken(token: string): void {
  if (!TOKEN_PATTERN.test(token))
    throw new UserError(
      'E_BAD_TOKEN',
      `${SERVE_TOKEN_ENV} holds spaces or characters outside visible ASCII; use a random string such as the output of \`openssl rand -hex 32\``,
    );
}

/** A checker of `Authorization` header values against `token`, in constant time. */
export function bearerTokenChecker(token: string): (authorization: string | undefined) => TokenVerdict {
  checkToken(token);
  const expected = digest(token);
  return (authorization) => {
    if (authorization === undefined) return 'missing';
    const match = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    if (!match) return 'missing';
    return timingSafeEqual(digest(match[1]!), expected) ? 'ok' : 'invalid';
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
