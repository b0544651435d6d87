/** What analysis consumes: one record per finished trial (defined in the domain layer). */
export type { TrialRecord } from '../domain/trial.js';
