/** Trial and group keys live in the domain layer; re-exported here for the spec's callers. */
export { canonicalJson, groupKeyOf, identityOf, trialKeyOf } from '../core/domain/keys.js';
