/** How a trial's failure reads in the progress answer, the summary and the tracker. */
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/** Longest reason kept (history payloads stay small). */
const MAX_REASON_LENGTH = 300;

/** The innermost message of an activity failure: what actually went wrong in the trial. */
export function failureReason(error: unknown): string {
  let current: unknown = error;
  while (current instanceof ActivityFailure && current.cause) current = current.cause;
  const message =
    current instanceof ApplicationFailure
      ? `${current.type ?? 'Error'}: ${current.message}`
      : current instanceof Error
        ? current.message
        : String(error);
  return message.length > MAX_REASON_LENGTH ? `${message.slice(0, MAX_REASON_LENGTH - 3)}...` : message;
}
