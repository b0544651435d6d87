/**
 * fANOVA importance (src/reporting/analysis/importance.ts) on functions of known importance, at sample
 * sizes larger than the unit test's: for each function and number of trials, 20 seeds of uniform
 * samples on [0, 1]³, the forest's default 64 trees. Prints how often the ranking is right, the median
 * variance fraction of each parameter beside the analytic main-effect share, and the CPU per forest.
 *
 *   npx tsx bench/importance.ts
 */
import { seededRandom } from '../src/reporting/analysis/bootstrap.js';
import { fanovaImportance } from '../src/reporting/analysis/importance.js';

interface Case {
  name: string;
  f: (x: number, y: number, z: number) => number;
  /** Analytic main-effect variance fractions of x, y, z (parameters uniform on [0, 1]). */
  truth: [number, number, number];
  /** Whether a ranking (names, most important first) is right. */
  right: (order: string) => boolean;
}

const linearTotal = (100 + 1 + 1e-4) / 12;
const interactionTotal = 7 / 144 + 0.01 / 12;
const CASES: Case[] = [
  {
    name: '10x + y + 0.01z',
    f: (x, y, z) => 10 * x + y + 0.01 * z,
    truth: [100 / 12 / linearTotal, 1 / 12 / linearTotal, 1e-4 / 12 / linearTotal],
    right: (order) => order === 'xyz',
  },
  {
    name: 'x·y + 0.1z',
    f: (x, y, z) => x * y + 0.1 * z,
    truth: [3 / 144 / interactionTotal, 3 / 144 / interactionTotal, 0.01 / 12 / interactionTotal],
    right: (order) => order.endsWith('z'),
  },
];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const features = ['x', 'y', 'z'].map((name) => ({ name, range: [0, 1] as [number, number] }));
const rows: string[][] = [];
for (const c of CASES) {
  for (const n of [50, 100, 200, 500, 1000]) {
    let right = 0;
    const fractions: number[][] = [[], [], []];
    const cpu = process.cpuUsage();
    for (let seed = 0; seed < 20; seed++) {
      const random = seededRandom(1000 + seed);
      const x = Array.from({ length: n }, () => [random(), random(), random()]);
      const imp = fanovaImportance({ features, x, y: x.map(([a, b, d]) => c.f(a!, b!, d!)), seed });
      if (c.right(imp.map((p) => p.name).join(''))) right++;
      for (const p of imp) fractions[['x', 'y', 'z'].indexOf(p.name)]!.push(p.fraction);
    }
    const used = process.cpuUsage(cpu);
    rows.push([
      c.name,
      String(n),
      `${right}/20`,
      ...fractions.map((f, i) => `${median(f).toFixed(4)} (${c.truth[i]!.toFixed(4)})`),
      ((used.user + used.system) / 1000 / 20).toFixed(0),
    ]);
  }
}
const header = ['function', 'trials', 'ranking right', 'x: median (truth)', 'y', 'z', 'CPU ms/forest'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
