/**
 * The order in which `npm test` starts its files: longest first, across projects, so that the last
 * files to start are short ones and no long file is left running alone at the end (on a fresh clone
 * vitest has no timings of its own and would start files by size, the 7-line README files last).
 */
import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Wall seconds of the files that took 3 s or more in the last full run (2 cores, 3 files at a time,
 * CI=true bash .ci/run). A scheduling hint only: a stale or missing entry changes the order, never a
 * result. Files not listed start after these, in vitest's own order.
 */
export const FILE_SECONDS: Record<string, number> = {
  'tests/integration/chaos/chaos-short.test.ts': 243,
  'tests/integration/readme/examples-commands.test.ts': 238,
  'tests/integration/readme/readme-blocks.test.ts': 225,
  'tests/integration/package/user-project.test.ts': 195,
  'tests/integration/temporal/cli.test.ts': 183,
  'tests/integration/reporting/results/export-compare.test.ts': 166,
  'tests/integration/temporal/native-user-paths.test.ts': 140,
  'tests/integration/temporal/function-trainable.test.ts': 137,
  'tests/integration/tracking/mlflow-tracker.test.ts': 130,
  'tests/integration/temporal/server-restart.test.ts': 93,
  'tests/integration/temporal/adaptive-sweep.test.ts': 91,
  'tests/integration/services/services-command.test.ts': 79,
  'tests/integration/serving/serve-best-reused.test.ts': 75,
  'tests/integration/temporal/status-paging.test.ts': 70,
  'tests/integration/temporal/real-training.test.ts': 69,
  'tests/unit/interfaces/cli/no-tfjs-banner.test.ts': 51,
  'tests/integration/serving/serve-fit-model.test.ts': 50,
  'tests/integration/temporal/sweep-workflow.test.ts': 42,
  'tests/unit/architecture/layers.test.ts': 38,
  'tests/integration/interfaces/api/run-own-code.test.ts': 29,
  'tests/integration/temporal/native-training.test.ts': 25,
  'tests/unit/interfaces/cli/train.test.ts': 23,
  'tests/integration/services/temporal-tls.test.ts': 22,
  'tests/integration/temporal/study-search.test.ts': 21,
  'tests/unit/interfaces/cli/worker-command.test.ts': 21,
  'tests/unit/examples/examples.test.ts': 17,
  'tests/unit/training/fit/zoo-resume-native.test.ts': 15,
  'tests/integration/serving/serve-from-mlflow.test.ts': 15,
  'tests/unit/interfaces/cli/bin.test.ts': 13,
  'tests/unit/training/graph/compile-model.test.ts': 13,
  'tests/unit/execution/pool.test.ts': 12,
  'tests/integration/tracking/lineage-and-reuse.test.ts': 11,
  'tests/unit/temporal/workflows/replay.test.ts': 9,
  'tests/unit/training/fit/resume.test.ts': 9,
  'tests/unit/sweep-spec/shipped-keys.test.ts': 9,
  'tests/unit/bench/peer-models-graph.test.ts': 8,
  'tests/unit/training/fit/zoo-resume.test.ts': 8,
  'tests/unit/reporting/eda/run-eda.test.ts': 8,
  'tests/unit/interfaces/cli/error-exit.test.ts': 8,
  'tests/unit/training/graph/determinism.test.ts': 8,
  'tests/unit/reporting/analysis/html-report.test.ts': 7,
  'tests/integration/serving/bundle.test.ts': 6,
  'tests/unit/training/fit/study-equivalence.test.ts': 6,
  'tests/unit/core/common/fault-points.test.ts': 6,
  'tests/unit/interfaces/api/run-trial-dataset.test.ts': 6,
  'tests/unit/sweep-spec/function-trainable.test.ts': 5,
  'tests/unit/tracking/write-only-delivery.test.ts': 5,
  'tests/unit/training/backends/backend.test.ts': 4,
  'tests/unit/training/fit/callback.test.ts': 4,
  'tests/unit/training/backends/wasm-kernels/conv2d-backprop-filter.test.ts': 4,
  'tests/unit/training/backends/native-exit.test.ts': 4,
  'tests/unit/training/runner/trainer.test.ts': 4,
  'tests/unit/serving/signature-serving.test.ts': 4,
  'tests/unit/tracking/journaled-sender.test.ts': 3,
};

/** Longest recorded file first; vitest's order (by its cache, else by size) among the rest. */
export class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const ordered = await super.sort(files);
    const seconds = (spec: TestSpecification) =>
      FILE_SECONDS[path.relative(spec.project.config.root, spec.moduleId).split(path.sep).join('/')] ?? 0;
    // Array.prototype.sort is stable: equal keys keep vitest's order.
    return ordered.sort(
      (a, b) =>
        a.project.config.sequence.groupOrder - b.project.config.sequence.groupOrder ||
        seconds(b) - seconds(a),
    );
  }
}
