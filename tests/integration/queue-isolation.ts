/**
 * Integration files run side by side against one Temporal server: each gets task queues of its own
 * (SEEDSWEEP_QUEUE_PREFIX, inherited by every CLI and worker process it starts), so one file's
 * attached runs and workers never take another file's workflows or trials.
 */
import { randomBytes } from 'node:crypto';

process.env['SEEDSWEEP_QUEUE_PREFIX'] = `it-${process.pid}-${randomBytes(3).toString('hex')}`;
