/**
 * The `<sweep-id>` / `<sweep>` argument of the commands that look a sweep up, checked at the edge: an
 * empty or control-character id reached Temporal and came back as an unexpected ServiceError.
 */
import { Argument } from 'commander';
import { UserError } from '../../core/common/errors.js';
import { MAX_NAME_LENGTH } from '../../core/common/safe-names.js';

/** A sweep id or name as typed: trimmed; empty or with control characters is a UserError. */
export function parseSweepReference(value: string, what = 'the sweep id'): string {
  const trimmed = value.trim();
  if (trimmed === '')
    throw new UserError(
      'E_BAD_SWEEP_ID',
      `${what} is empty; pass a sweep id printed by 'seedsweep run' (or listed by 'seedsweep list'), or a sweep name.`,
    );
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(trimmed))
    throw new UserError(
      'E_BAD_SWEEP_ID',
      `${what} ${JSON.stringify(value)} has control characters; pass a sweep id or name as 'seedsweep list' shows it.`,
    );
  return trimmed;
}

/** A commander argument whose value goes through {@link parseSweepReference}. */
export function sweepArgument(name: string, description: string): Argument {
  const what = name.replace(/[<>[\]]/g, '');
  return new Argument(name, description).argParser((value: string) => parseSweepReference(value, what));
}

/**
 * `--run`: an MLflow run id (letters, digits, `-`, `_`), checked before it names a cache folder: a
 * 100,000-character id reached the file system as ENAMETOOLONG.
 */
export function parseRunId(value: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(value) && value.length <= MAX_NAME_LENGTH) return value;
  throw new UserError(
    'E_BAD_ARGUMENT',
    `--run ${JSON.stringify(value.slice(0, 60))}${value.length > 60 ? '…' : ''} is not an MLflow run id (letters, digits, - or _, at most ${MAX_NAME_LENGTH}).`,
  );
}
