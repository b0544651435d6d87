/** The domain layer: trials, configs, keys, objectives and the trainable and dataset contracts. */
export * from './trial.js';
export * from './keys.js';
export * from './objective.js';
export * from './trainable.js';
export * from './dataset.js';
