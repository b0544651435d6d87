/** The percentile (median) early-stopping rule the sweep workflow evaluates per epoch report. */
import { describe, expect, it } from 'vitest';
import { metricField, percentile, shouldStopEarly } from '../../../workflows/early-stopping.js';

describe('median early-stopping rule', () => {
  const finished = [
    [0.5, 0.6, 0.7],
    [0.4, 0.5, 0.6],
    [0.3, 0.45, 0.5],
  ];

  it('stops a trial whose best accuracy so far is below the median of finished trials at that epoch', () => {
    expect(
      shouldStopEarly({ metric: 'test_accuracy', minEpochs: 1, minTrials: 2, current: [0.2, 0.3], finished }),
    ).toBe(true);
  });

  it('keeps a trial at or above the median', () => {
    expect(
      shouldStopEarly({ metric: 'test_accuracy', minEpochs: 1, minTrials: 2, current: [0.2, 0.5], finished }),
    ).toBe(false);
    // The best value so far counts, not only the last one.
    expect(
      shouldStopEarly({
        metric: 'test_accuracy',
        minEpochs: 1,
        minTrials: 2,
        current: [0.45, 0.3],
        finished: finished.map((s) => [s[0] as number, 0.44]),
      }),
    ).toBe(false);
  });

  it('treats loss as lower-is-better', () => {
    const losses = [[1.0], [1.2], [1.4]];
    expect(
      shouldStopEarly({ metric: 'test_loss', minEpochs: 1, minTrials: 2, current: [1.3], finished: losses }),
    ).toBe(true);
    expect(
      shouldStopEarly({ metric: 'test_loss', minEpochs: 1, minTrials: 2, current: [1.1], finished: losses }),
    ).toBe(false);
  });

  it('never stops before minEpochs or with fewer than minTrials finished trials at the epoch', () => {
    expect(
      shouldStopEarly({ metric: 'test_accuracy', minEpochs: 3, minTrials: 2, current: [0.0, 0.0], finished }),
    ).toBe(false);
    expect(
      shouldStopEarly({ metric: 'test_accuracy', minEpochs: 1, minTrials: 4, current: [0.0], finished }),
    ).toBe(false);
    expect(
      shouldStopEarly({
        metric: 'test_accuracy',
        minEpochs: 1,
        minTrials: 1,
        current: [0.0, 0.0, 0.0, 0.0],
        finished,
      }),
    ).toBe(false);
  });

  it('interpolates percentiles like numpy and maps spec metric names to fields', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([3, 1, 2], 0)).toBe(1);
    expect(percentile([3, 1, 2], 100)).toBe(3);
    expect(metricField('test_accuracy')).toBe('testAccuracy');
  });
});
