import { describe, expect, it } from 'vitest';
import type { TrialResult } from '../../../src/core/domain/trial.js';
import {
  EPOCH_METRIC_KEYS,
  epochMetricValues,
  finalMetricValues,
  metricKey,
} from '../../../src/tracking/run-data.js';

describe('metric keys: one naming rule', () => {
  it('turns camelCase into snake_case and leaves snake_case alone', () => {
    expect(metricKey('trainLoss')).toBe('train_loss');
    expect(metricKey('imagesPerSecond')).toBe('images_per_second');
    expect(metricKey('value')).toBe('value');
    expect(metricKey('val_loss')).toBe('val_loss');
    expect(metricKey('valAUC')).toBe('val_auc');
    expect(metricKey('HTTPLatency')).toBe('http_latency');
    expect(metricKey('top5Accuracy')).toBe('top5_accuracy');
    expect(metricKey('f1Score')).toBe('f1_score');
    expect(metricKey('loss/train')).toBe('loss/train');
    expect(metricKey('weird:name!')).toBe('weird_name_');
  });

  it("keeps the study's metric names exactly as before", () => {
    expect(EPOCH_METRIC_KEYS).toEqual([
      'train_loss',
      'train_accuracy',
      'test_loss',
      'test_accuracy',
      'epoch_seconds',
      'images_per_second',
    ]);
    const epoch = {
      epoch: 2,
      trainLoss: 0.5,
      trainAccuracy: 0.8,
      testLoss: 0.6,
      testAccuracy: 0.7,
      epochSeconds: 3,
      imagesPerSecond: 100,
    };
    const result: TrialResult = {
      epochs: [{ ...epoch, epoch: 1, epochSeconds: 2 }, epoch],
      final: epoch,
      modelStats: { totalParams: 10, convParams: 4, denseParams: 6, flopsPerImage: 20 },
      backend: { name: 'cpu', version: '4' },
      resumedFromEpoch: 0,
    };
    const final = finalMetricValues(result);
    expect(final).toMatchObject({
      final_train_loss: 0.5,
      final_train_accuracy: 0.8,
      final_test_loss: 0.6,
      final_test_accuracy: 0.7,
      epochs_completed: 2,
      total_train_seconds: 5,
      total_params: 10,
      conv_params: 4,
      dense_params: 6,
      flops_per_image: 20,
    });
    expect(final['generalization_gap']).toBeCloseTo(0.1);
    expect(final).not.toHaveProperty('norm_params');
    const perKind = finalMetricValues({
      ...result,
      modelStats: {
        ...result.modelStats!,
        normParams: 2,
        embeddingParams: 0,
        otherParams: 1,
        nonTrainableParams: 4,
      },
    });
    expect(perKind).toMatchObject({
      norm_params: 2,
      embedding_params: 0,
      other_params: 1,
      non_trainable_params: 4,
    });
  });

  it('logs every metric a user trainable reports under its own name, and model stats only when present', () => {
    expect(epochMetricValues({ epoch: 3, value: 1.5 })).toEqual({ value: 1.5 });
    expect(epochMetricValues({ epoch: 1, loss: 2, val_loss: 3, accuracy: Number.NaN })).toEqual({
      loss: 2,
      val_loss: 3,
      accuracy: Number.NaN,
    });
    const result: TrialResult = {
      epochs: [
        { epoch: 1, value: 3 },
        { epoch: 2, value: 2 },
      ],
      final: { epoch: 2, value: 2 },
      backend: { name: 'js', version: '1' },
      resumedFromEpoch: 0,
    };
    expect(finalMetricValues(result)).toEqual({ final_value: 2, epochs_completed: 2 });
  });
});
