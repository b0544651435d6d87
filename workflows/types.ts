/**
 * The sweep's payload types moved to orchestration/shared.ts (with the task queues and messages);
 * re-exported here for existing importers. New code imports `../orchestration/shared.js`.
 */
export * from '../orchestration/shared.js';
