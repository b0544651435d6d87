/**
 * A separate process writing to a shared outbox (used by the shared-outbox integration test):
 * starts one trial and logs its epochs with auto-sync on, as a worker process would.
 * Arguments: <trackingUri> <outboxDir> <sweepId> <trialKey> <seed> <epochs>
 */
import { MlflowClient } from '../../../src/tracking/mlflow-client.js';
import { MlflowTracker } from '../../../src/tracking/mlflow-tracker.js';
import { epochMetrics, plannedTrial } from './fixtures.js';

const [trackingUri, outboxDir, sweepId, trialKey, seed, epochs] = process.argv.slice(2);
if (!trackingUri || !outboxDir || !sweepId || !trialKey || !seed || !epochs) {
  process.stderr.write(
    'usage: outbox-writer <trackingUri> <outboxDir> <sweepId> <trialKey> <seed> <epochs>\n',
  );
  process.exit(2);
}
const tracker = new MlflowTracker({ client: new MlflowClient({ trackingUri }), outboxDir });
await tracker.startTrial(sweepId, plannedTrial({ trialKey, seed: Number(seed) }));
for (let epoch = 1; epoch <= Number(epochs); epoch++) {
  await tracker.logEpoch(sweepId, trialKey, epochMetrics(epoch, Number(seed)));
}
process.stdout.write(JSON.stringify({ pending: tracker.pendingCount() }));
