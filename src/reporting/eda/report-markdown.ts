/** eda.md: the EDA report for humans, every number next to the assumption it checks. */
import type { CorrelationCurve } from './statistics.js';
import type { EdaReport } from './types.js';

function fmt(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  // No "-0.000": values that round to zero print as zero.
  return (Math.abs(value) < 0.5 * 10 ** -digits ? 0 : value).toFixed(digits);
}

function pValue(p: number): string {
  return p < 1e-4 ? p.toExponential(2) : p.toFixed(4);
}

function correlationTable(
  images: CorrelationCurve,
  control: CorrelationCurve,
  distances: number[],
): string[] {
  const lines = [
    '| distance (px) | horizontal | vertical | shuffled horizontal | shuffled vertical |',
    '|---:|---:|---:|---:|---:|',
  ];
  distances.forEach((d, i) => {
    lines.push(
      `| ${d} | ${fmt(images.horizontal[i])} | ${fmt(images.vertical[i])} | ${fmt(control.horizontal[i])} | ${fmt(control.vertical[i])} |`,
    );
  });
  return lines;
}

/** Renders the report as Markdown. */
export function renderEdaMarkdown(report: EdaReport): string {
  const { dataset, tensor, pixelRange, channels, classBalance, spatialCorrelation: corr } = report;
  const lines: string[] = [];
  lines.push(`# EDA: ${dataset.name}${dataset.synthetic ? ' (SYNTHETIC data — not CIFAR-10)' : ''}`, '');
  lines.push(
    `${dataset.trainImages.toLocaleString('en-US')} training and ${dataset.testImages.toLocaleString('en-US')} test images; split fingerprint \`${dataset.splitFingerprint.slice(0, 16)}\`, data fingerprint \`${dataset.storeFingerprint.slice(0, 16)}\`.`,
    '',
  );
  lines.push('## Assumptions checked', '', '| check | assumption | holds | numbers |', '|---|---|---|---|');
  for (const check of report.checks)
    lines.push(
      `| ${check.id} | ${check.assumption} | ${check.passed ? 'yes' : '**NO**'} | ${check.detail} |`,
    );
  lines.push('');

  lines.push('## Tensor shape and type', '');
  lines.push(
    `- Store: ${tensor.storage.dtype}, ${tensor.storage.layout}, ${(tensor.storage.bytes / 2 ** 20).toFixed(1)} MiB${tensor.storage.shared ? ' in shared memory' : ''}.`,
  );
  lines.push(
    `- Training tensor ${tensor.trainShape.join(' × ')}, test tensor ${tensor.testShape.join(' × ')}.`,
  );
  lines.push(`- A training batch: ${tensor.batchShape.join(' × ')} ${tensor.batchDtype}.`, '');

  lines.push('## Pixel range', '');
  lines.push(`- Raw: [${pixelRange.raw.min}, ${pixelRange.raw.max}] (uint8).`);
  lines.push(
    `- After normalisation (\`x / 255\`, no standardisation, no augmentation — identical in training and serving): [${fmt(pixelRange.normalised.min, 4)}, ${fmt(pixelRange.normalised.max, 4)}].`,
    '',
  );

  lines.push(
    '## Per-channel mean and standard deviation (training images, normalised units)',
    '',
    '| channel | mean | std |',
    '|---|---:|---:|',
  );
  for (const c of channels) lines.push(`| ${c.channel} | ${fmt(c.mean, 4)} | ${fmt(c.std, 4)} |`);
  lines.push('');

  lines.push('## Class balance', '', '| class | train | test |', '|---|---:|---:|');
  dataset.classNames.forEach((name, i) =>
    lines.push(`| ${name} | ${classBalance.train.counts[i] ?? 0} | ${classBalance.test.counts[i] ?? 0} |`),
  );
  lines.push('');
  for (const [which, b] of [
    ['train', classBalance.train],
    ['test', classBalance.test],
  ] as const) {
    lines.push(
      `- ${which}: χ² = ${fmt(b.chiSquare, 3)} with ${b.degreesOfFreedom} degrees of freedom, p = ${pValue(b.pValue)}; largest/smallest class = ${fmt(b.maxMinRatio, 3)}.`,
    );
  }
  lines.push('');

  lines.push('## Spatial structure', '');
  lines.push(
    `Pearson correlation between the values of two pixels (same channel) at a given distance, on ${corr.sampleSize.toLocaleString('en-US')} training images (sample seed ${corr.sampleSeed}), next to the same images with their pixel positions shuffled (the control: same colours, no spatial arrangement).`,
    '',
    '### Within-image (each image centred on its own per-channel mean)',
    '',
    ...correlationTable(corr.images.withinImage, corr.shuffledControl.withinImage, corr.distances),
    '',
    '### Pooled over images (includes differences between images, e.g. overall brightness)',
    '',
    ...correlationTable(corr.images.pooled, corr.shuffledControl.pooled, corr.distances),
    '',
  );
  const structure = report.checks.find((check) => check.id === 'spatial-structure');
  lines.push(
    structure?.passed
      ? 'Neighbouring pixels are strongly correlated and the correlation decays with distance, while the shuffled control — the same pixel values without their arrangement — shows none: the structure that local, weight-shared filters (convolutions) exploit is present. A fully connected layer would treat the shuffled images no differently.'
      : 'The within-image correlation of neighbouring pixels is weak or matched by the shuffled control: these images lack the local spatial structure convolutions rely on.',
    '',
  );

  lines.push('## Sample images', '', `![samples](${report.samples.file})`, '');
  lines.push(
    `Rows, top to bottom: ${report.samples.rowOrder.join(', ')} (${report.samples.perClass} training images each, upscaled ×${report.samples.scale}).`,
    '',
  );
  lines.push(
    `_Generated ${report.createdAt}; seconds per stage: ${Object.entries(report.seconds)
      .map(([k, v]) => `${k} ${v.toFixed(2)}`)
      .join(', ')}._`,
    '',
  );
  return lines.join('\n');
}
