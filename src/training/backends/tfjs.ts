/**
 * `@tensorflow/tfjs` as seedsweep imports it: the same module, put in production mode the moment it is
 * first imported, before any backend exists. Otherwise the first tensor on TF.js's cpu backend (a model
 * loaded before `initBackend`, a dataset plug-in's fingerprint in the submitting process) prints TF.js's
 * "install our node backend" banner, which is wrong advice here: seedsweep chooses and reports its
 * backend itself (src/training/backends/backend.ts). Production mode mutes only TF.js's console advice. The flag lives
 * in the realm's one TF.js engine, so it also covers user code importing `@tensorflow/tfjs` directly.
 * seedsweep's own code imports TF.js only through this module (an ESLint rule says so).
 */
import * as tf from '@tensorflow/tfjs';

tf.env().set('PROD', true);

export * from '@tensorflow/tfjs';
