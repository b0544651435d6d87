/**
 * Reading a spec file: a bounded read of a regular file. What the operating system refuses (EACCES,
 * EIO, EISDIR) and what is no file at all (a folder, a FIFO that would block the read forever, a
 * device) become one UserError, `E_SPEC_UNREADABLE`, naming the spec and saying what to do, where a
 * bare errno error named neither.
 */
import { constants, type Stats, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { UserError } from '../core/common/errors.js';

/** What a path that is not a regular file is, in words. */
function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

function notAFile(shown: string, stats: Stats): UserError {
  const kind = kindOf(stats);
  return new UserError(
    'E_SPEC_UNREADABLE',
    `sweep spec ${shown} is ${kind}, not a file: give the path of a YAML file${stats.isDirectory() ? ' in it' : ''}.`,
  );
}

type ErrnoError = NodeJS.ErrnoException & { code: string };

/** A Node system error (it names the system call), not one of ours that has a code too. */
function isErrno(error: unknown): error is ErrnoError {
  const e = error as NodeJS.ErrnoException;
  return error instanceof Error && typeof e.code === 'string' && typeof e.syscall === 'string';
}

/** The UserError for an errno error met reading the spec `shown`. */
function unreadable(shown: string, error: ErrnoError): UserError {
  const reason = (error.message.split('\n')[0] ?? error.code).slice(0, 200);
  const what = ((): string => {
    switch (error.code) {
      case 'EACCES':
      case 'EPERM':
        return `you may not read it (${error.code}); make it readable (chmod u+r ${shown}) or run as a user who may read it`;
      case 'EISDIR':
        return 'it is a folder; give the path of a YAML file in it';
      case 'EIO':
        return 'the system reported an I/O error (EIO): the disk or file system may be failing; copy the spec to a healthy disk, or check the disk, and run again';
      case 'EAGAIN':
        return 'it is not a regular file (a read would wait for a writer); give the path of a YAML file';
      default:
        return `${reason}; check the path, its permissions and the disk`;
    }
  })();
  return new UserError('E_SPEC_UNREADABLE', `cannot read sweep spec ${shown}: ${what}.`, { cause: error });
}

/**
 * Throws `E_SPEC_UNREADABLE` when `file` exists but is no regular file (a folder, a FIFO, a device) or
 * cannot be looked at (EACCES, EIO); does nothing when it does not exist (the caller says "not found").
 */
export function refuseNonFile(file: string, shown: string): void {
  if (file.includes('\u0000')) return;
  let stats: Stats | undefined;
  try {
    stats = statSync(file, { throwIfNoEntry: false });
  } catch (error) {
    if (isErrno(error) && ['EACCES', 'EPERM', 'EIO'].includes(error.code)) throw unreadable(shown, error);
    return; // ENOTDIR, ENAMETOOLONG, ELOOP: as good as missing
  }
  if (stats && !stats.isFile()) throw notAFile(shown, stats);
}

/**
 * Reads at most `limit` bytes of the spec `file` (shown as `shown`). Returns the text read and the
 * file's length in bytes (above `limit` when the file is longer: the caller refuses it). Opened without
 * blocking, so a FIFO swapped in after the path was checked is refused instead of waited on.
 */
export async function readSpecFile(
  file: string,
  shown: string,
  limit: number,
): Promise<{ text: string; bytes: number }> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    const stats = await handle.stat();
    if (!stats.isFile()) throw notAFile(shown, stats);
    // One byte past the limit tells a long file from one of exactly `limit` bytes, whatever its
    // stated size (files under /proc state 0).
    const buffer = Buffer.alloc(limit + 1);
    let read = 0;
    while (read < buffer.length) {
      const { bytesRead } = await handle.read(buffer, read, buffer.length - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return {
      text: buffer.subarray(0, Math.min(read, limit)).toString('utf8'),
      bytes: read > limit ? Math.max(stats.size, read) : read,
    };
  } catch (error) {
    if (isErrno(error)) throw unreadable(shown, error);
    throw error;
  } finally {
    await handle?.close();
  }
}
