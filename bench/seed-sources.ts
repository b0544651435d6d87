/**
 * Variance by seed source on the study's CNN (3×3) over a CIFAR-10 slice: a factorial seed design
 * (each varied source crossed over `--levels` seeds, the others held at 0) trained through the real
 * pool, then the random-effects ANOVA the report shows (src/reporting/analysis/seed-variance.ts).
 *
 *   npx tsx bench/seed-sources.ts --cifar10 /work/shared/datasets/cifar-10-binary.tar.gz \
 *     [--train-size 2000] [--test-size 1000] [--epochs 2] [--levels 3] [--sources init,dataOrder]
 *     [--threads 1] [--backend tensorflow]
 *
 * The study's classifier draws no split (its slice is cut by `dataset.slice_seed`) and has no dropout
 * layer: `split` and `dropout` change nothing in it, so they are left out by default (add them to see
 * an exact zero at the cost of L times more trials each).
 */
import { parseArgs } from 'node:util';
import { SEED_SOURCES, type SeedSource, type SeedSourcesConfig } from '../src/core/domain/seed-sources.js';
import { TrialPool } from '../src/execution/pool.js';
import { crossedAnova } from '../src/reporting/analysis/seed-variance.js';
import type { Trial } from '../src/training/runner/types.js';

const { values } = parseArgs({
  options: {
    cifar10: { type: 'string' },
    'train-size': { type: 'string', default: '2000' },
    'test-size': { type: 'string', default: '1000' },
    epochs: { type: 'string', default: '2' },
    levels: { type: 'string', default: '3' },
    sources: { type: 'string', default: 'init,dataOrder' },
    threads: { type: 'string', default: '1' },
    backend: { type: 'string', default: 'tensorflow' },
  },
});

const vary = values.sources.split(',') as SeedSource[];
for (const s of vary)
  if (!SEED_SOURCES.includes(s)) throw new Error(`unknown source ${s}; use ${SEED_SOURCES.join(',')}`);
const levels = Array.from({ length: Number(values.levels) }, (_, i) => i);
const design: SeedSourcesConfig = { design: 'factorial', vary, fixed: 0, levels };
const cells = levels.length ** vary.length;
const trials: Trial[] = Array.from({ length: cells }, (_, seed) => ({
  seed,
  config: {
    model: 'image-classifier',
    modelOptions: { model: 'cnn', kernel_size: 3 },
    train: { epochs: Number(values.epochs), batchSize: 64, optimizer: 'adam', learningRate: 1e-3 },
    dataset: values.cifar10
      ? {
          name: 'cifar10',
          path: values.cifar10,
          trainSize: Number(values['train-size']),
          testSize: Number(values['test-size']),
        }
      : { name: 'synthetic', trainSize: Number(values['train-size']), testSize: Number(values['test-size']) },
    seedSources: design,
  },
}));

const started = Date.now();
const pool = await TrialPool.create({ threads: Number(values.threads), backend: values.backend });
let accuracies: number[];
let backend = '';
try {
  let done = 0;
  const results = await Promise.all(
    trials.map(async (trial) => {
      const result = await pool.run({ trial });
      process.stderr.write(
        `  cell ${trial.seed}: testAccuracy ${result.final['testAccuracy']} (${++done}/${cells})\n`,
      );
      backend = result.backend.name;
      return result;
    }),
  );
  accuracies = results.map((r) => r.final['testAccuracy'] ?? Number.NaN);
} finally {
  await pool.destroy();
}

const anova = crossedAnova({ factors: vary, levels: levels.length, values: accuracies.map((a) => a * 100) });
const fmt = (v: number) => v.toPrecision(3);
console.log(
  `\nCNN 3×3, CIFAR-10 ${values['train-size']}/${values['test-size']}, ${values.epochs} epochs, backend ${backend}, ` +
    `${levels.length}^${vary.length} = ${cells} trials, ${((Date.now() - started) / 1000).toFixed(0)} s; ` +
    `final test accuracy mean ${fmt(anova.mean)} %`,
);
console.log('\n| source | df | variance (pp²) | 95 % CI | sd (pp) | share |');
console.log('| --- | ---: | ---: | --- | ---: | ---: |');
for (const c of [...anova.factors, anova.residual])
  console.log(
    `| ${c.name} | ${c.df} | ${fmt(c.estimate)} | ${c.ci ? `[${fmt(c.ci[0])}, ${fmt(c.ci[1])}]` : '—'} | ${fmt(Math.sqrt(c.estimate))} | ${Math.round(c.share * 100)} % |`,
  );
console.log(
  `\ndominant: ${anova.dominant ?? 'none'}; accuracies (%): ${accuracies.map((a) => (a * 100).toFixed(1)).join(' ')}`,
);
