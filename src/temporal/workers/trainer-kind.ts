/** Which trainer a worker process runs: the TF.js engine, or the no-op trainer for orchestration benchmarks. */
export const TrainerKind = { engine: 'engine', noop: 'noop' } as const;
export type TrainerKind = (typeof TrainerKind)[keyof typeof TrainerKind];
