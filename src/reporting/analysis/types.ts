/** What analysis consumes: one record per finished trial (defined in the domain layer). */
export type { TrialRecord } from '../../core/domain/trial.js';
