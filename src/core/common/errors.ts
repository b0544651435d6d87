/**
 * Errors a user can cause: bad arguments, bad specs, missing files or executables. The CLI prints
 * `error[CODE]: message` on one line and exits 2; anything else is reported as unexpected with a stack.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  /**
   * @param code Stable machine-readable code such as `E_BAD_ARGUMENT` or `E_SPEC_INVALID`.
   * @param message What was wrong and what to do about it.
   */
  /** True when the cause may go away by itself (a server that is down): worth retrying later. */
  readonly transient: boolean;
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown; transient?: boolean },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.transient = options?.transient ?? false;
  }
}

/** True for errors that should be shown as one line to the user rather than as a crash. */
export function isUserError(error: unknown): error is UserError {
  return (
    error instanceof UserError || (error instanceof Error && error.name === 'UserError' && 'code' in error)
  );
}
