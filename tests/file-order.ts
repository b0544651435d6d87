/**
 * The order in which `npm test` starts its files: longest first, across projects, so that the last
 * files to start are short ones and no long file is left running alone at the end (on a fresh clone
 * vitest has no timings of its own and would start files by size, the 7-line README files last).
 */
import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Wall seconds of the files that took 3 s or more in the last full run (2 cores, 4 files at a time,
 * CI=true bash .ci/run). A scheduling hint only: a stale or missing entry changes the order, never a
 * result. Files not listed start after these, in vitest's own order.
 */
export const FILE_SECONDS: Record<string, number> = {
  'tests/integration/readme/examples-commands.test.ts': 279,
  'tests/integration/tracking/mlflow-tracker.test.ts': 266,
  'tests/integration/chaos/chaos-short.test.ts': 340,
  'tests/integration/readme/readme-blocks.test.ts': 242,
  'tests/integration/temporal/native-user-paths.test.ts': 236,
  'tests/integration/package/user-project.test.ts': 230,
  'tests/integration/reporting/results/export-compare.test.ts': 186,
  'tests/integration/temporal/cli.test.ts': 165,
  'tests/integration/temporal/function-trainable.test.ts': 160,
  'tests/integration/temporal/adaptive-sweep.test.ts': 145,
  'tests/integration/temporal/server-restart.test.ts': 141,
  'tests/unit/architecture/layers.test.ts': 114,
  'tests/integration/temporal/real-training.test.ts': 105,
  'tests/integration/temporal/sweep-workflow.test.ts': 96,
  'tests/integration/interfaces/api/run-own-code.test.ts': 83,
  'tests/integration/serving/serve-fit-model.test.ts': 78,
  'tests/integration/fuzz/mlflow-answers.fuzz.test.ts': 68,
  'tests/integration/serving/serve-best-reused.test.ts': 67,
  'tests/unit/interfaces/cli/no-tfjs-banner.test.ts': 66,
  'tests/integration/temporal/status-paging.test.ts': 53,
  'tests/unit/training/runner/checkpoint-damage.fuzz.test.ts': 51,
  'tests/unit/fuzz/spec-loader.fuzz.test.ts': 45,
  'tests/unit/interfaces/cli/worker-command.test.ts': 44,
  'tests/integration/services/temporal-tls.test.ts': 44,
  'tests/integration/temporal/native-training.test.ts': 43,
  'tests/unit/interfaces/cli/train.test.ts': 41,
  'tests/integration/fuzz/temporal-answers.fuzz.test.ts': 40,
  'tests/unit/training/graph/compile-model.test.ts': 38,
  'tests/unit/fuzz/cli-args.fuzz.test.ts': 34,
  'tests/unit/bench/cluster-harness.test.ts': 34,
  'tests/integration/serving/serve-from-mlflow.test.ts': 33,
  'tests/unit/examples/examples.test.ts': 32,
  'tests/integration/services/services-command.test.ts': 32,
  'tests/unit/training/fit/zoo-resume-native.test.ts': 31,
  'tests/unit/reporting/analysis/html-report.test.ts': 30,
  'tests/integration/temporal/study-search.test.ts': 29,
  'tests/integration/tracking/lineage-and-reuse.test.ts': 28,
  'tests/unit/training/graph/determinism.test.ts': 26,
  'tests/unit/temporal/workflows/replay.test.ts': 26,
  'tests/unit/serving/requests.fuzz.test.ts': 26,
  'tests/integration/serving/bundle.test.ts': 23,
  'tests/unit/execution/pool.test.ts': 22,
  'tests/unit/sweep-spec/shipped-keys.test.ts': 21,
  'tests/unit/training/fit/zoo-resume.test.ts': 19,
  'tests/unit/core/common/fault-points.test.ts': 19,
  'tests/integration/tracking/read-back.test.ts': 19,
  'tests/unit/training/fit/resume.test.ts': 17,
  'tests/unit/bench/peer-models-graph.test.ts': 16,
  'tests/unit/training/fit/study-equivalence.test.ts': 15,
  'tests/unit/sweep-spec/function-trainable.test.ts': 13,
  'tests/unit/interfaces/api/spec-object.test.ts': 13,
  'tests/unit/training/runner/trainer.test.ts': 12,
  'tests/unit/fuzz/api-object.fuzz.test.ts': 12,
  'tests/unit/reporting/eda/run-eda.test.ts': 11,
  'tests/unit/interfaces/api/run-trial-dataset.test.ts': 11,
  'tests/unit/training/backends/native-exit.test.ts': 10,
  'tests/unit/interfaces/cli/startup-imports.test.ts': 10,
  'tests/unit/temporal/workflows/bounded-history.test.ts': 9,
  'tests/unit/interfaces/cli/error-exit.test.ts': 9,
  'tests/unit/training/backends/wasm-kernels/conv2d-backprop-filter.test.ts': 8,
  'tests/unit/interfaces/cli/hostile-arguments.test.ts': 8,
  'tests/unit/reporting/analysis/report.test.ts': 7,
  'tests/unit/reporting/analysis/missing-trials.test.ts': 7,
  'tests/unit/training/fit/callback.test.ts': 6,
  'tests/unit/training/backends/backend.test.ts': 6,
  'tests/unit/reporting/analysis/importance.test.ts': 6,
  'tests/unit/interfaces/cli/bin.test.ts': 6,
  'tests/unit/tracking/quarantined-dependencies.test.ts': 5,
  'tests/unit/temporal/client/stored-report.test.ts': 5,
  'tests/unit/temporal/activities/train-trial-damaged-checkpoint.test.ts': 5,
  'tests/unit/serving/signature-serving.test.ts': 5,
  'tests/unit/serving/server.test.ts': 5,
  'tests/unit/serving/server-limits.test.ts': 5,
  'tests/unit/fuzz/safe-names.fuzz.test.ts': 5,
  'tests/unit/training/runner/checkpoint-recovery.test.ts': 4,
  'tests/unit/training/graph/optimizers.test.ts': 4,
  'tests/unit/tracking/write-only-delivery.test.ts': 4,
  'tests/unit/temporal/workflows/carried-state.test.ts': 4,
  'tests/unit/temporal/workers/gpu-supervisor.test.ts': 4,
  'tests/unit/temporal/activities/aggregate.test.ts': 4,
  'tests/unit/search/tpe-multivariate.test.ts': 4,
  'tests/unit/reporting/eda/track.test.ts': 4,
  'tests/unit/reporting/eda/statistics.test.ts': 4,
  'tests/unit/reporting/analysis/generic-report.test.ts': 4,
  'tests/unit/datasets/synthetic.test.ts': 4,
  'tests/unit/tracking/outbox.fuzz.test.ts': 3,
  'tests/unit/tracking/outbox-quarantine.test.ts': 3,
  'tests/unit/tracking/journaled-sender.test.ts': 3,
  'tests/unit/reporting/analysis/large-samples.test.ts': 3,
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
