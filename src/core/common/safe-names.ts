/**
 * The one rule for names that become parts of paths (sweep names and ids, trial keys, run ids, bundle
 * and model folder names) and the resolver that keeps a path inside its base folder. A name that
 * passes {@link checkSafeName} is one path segment on every OS: no separators, no `.`/`..`, no NUL,
 * nothing a Windows file system refuses, short enough for any file system.
 */
import path from 'node:path';
import { UserError } from './errors.js';

/** Longest name accepted: well under every file system's 255-byte segment limit, with room for suffixes. */
export const MAX_NAME_LENGTH = 128;

/** Letters, digits, dot, dash, underscore; starting with a letter or digit (so never `.`, `..` or `-x`). */
export const SAFE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Device names Windows reserves in every folder, with or without an extension. */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

/** Why `value` is not a safe name, or undefined when it is one. */
export function unsafeNameReason(value: unknown): string | undefined {
  if (typeof value !== 'string') return `expected a string; found ${value === null ? 'null' : typeof value}`;
  if (value.length === 0) return 'it is empty';
  if (value.length > MAX_NAME_LENGTH) return `it has ${value.length} characters; at most ${MAX_NAME_LENGTH}`;
  if (!SAFE_NAME_PATTERN.test(value))
    return 'use letters, digits, dot, dash or underscore, starting with a letter or digit';
  if (value.endsWith('.')) return 'it ends with a dot, which Windows drops';
  if (WINDOWS_RESERVED.test(value)) return 'it is a device name Windows reserves (CON, NUL, COM1, …)';
  return undefined;
}

/** True for a name that is one safe path segment (see {@link unsafeNameReason}). */
export function isSafeName(value: unknown): value is string {
  return unsafeNameReason(value) === undefined;
}

/**
 * Returns `value` when it is a safe name; else throws `UserError` `E_UNSAFE_NAME` saying what `what`
 * (e.g. `sweep name`) may hold.
 */
export function checkSafeName(value: unknown, what: string): string {
  const reason = unsafeNameReason(value);
  if (reason === undefined) return value as string;
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 60)) : String(value);
  throw new UserError(
    'E_UNSAFE_NAME',
    `${what} ${shown}${typeof value === 'string' && value.length > 60 ? '…' : ''} cannot name a file or folder: ${reason}.`,
  );
}

/** True when `target` (resolved) is `base` itself or inside it, comparing resolved paths, not strings. */
export function isInside(base: string, target: string): boolean {
  const relative = path.relative(path.resolve(base), path.resolve(target));
  return (
    relative === '' ||
    (!path.isAbsolute(relative) && relative !== '..' && !relative.startsWith(`..${path.sep}`))
  );
}

/**
 * `base` joined with `parts`, refused with `UserError` `E_PATH_ESCAPE` when the result would leave
 * `base` (`../`, an absolute part, a Windows drive or separator on Windows) or a part holds a NUL byte
 * (which Node refuses with a TypeError). The parts may be several segments (`reports/x.html`); symbolic
 * links inside `base` are the folder owner's and are followed as they are.
 */
export function resolveInside(base: string, ...parts: string[]): string {
  const root = path.resolve(base);
  for (const part of parts) {
    if (typeof part !== 'string' || part.includes('\u0000'))
      throw new UserError(
        'E_PATH_ESCAPE',
        `path part ${JSON.stringify(String(part).slice(0, 60))} holds a NUL byte or is not text; it cannot name a file under ${root}.`,
      );
  }
  const target = path.resolve(root, ...parts);
  if (!isInside(root, target)) {
    throw new UserError(
      'E_PATH_ESCAPE',
      `${JSON.stringify(parts.join('/').slice(0, 120))} leads outside ${root} (to ${target.slice(0, 200)}); give a name inside the folder.`,
    );
  }
  return target;
}

/**
 * A path the user typed (`--out`), resolved from `cwd`: it may point anywhere the user chooses, but a
 * NUL byte or an empty path is refused with `UserError` `E_BAD_ARGUMENT` rather than a TypeError from fs.
 */
export function userPath(value: string, what: string, cwd = process.cwd()): string {
  if (value.length === 0 || value.includes('\u0000'))
    throw new UserError(
      'E_BAD_ARGUMENT',
      `${what} ${JSON.stringify(value.slice(0, 60))} is ${value.length === 0 ? 'empty' : 'not a path (it holds a NUL byte)'}; give a file or folder path.`,
    );
  return path.resolve(cwd, value);
}
