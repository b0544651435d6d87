/**
 * The report's charts as PNG files next to report.html (`charts/<id>.png`, the id being the chart's
 * `data-chart`), for slides, issues and Markdown viewers that show no inline SVG. The same SVGs as the
 * HTML page, rasterised by resvg (no browser), at twice the SVG's size on a white background.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';
import { renderCharts } from './render-html.js';
import type { SweepReport } from './report-types.js';

/** Folder of the PNG files inside the report's folder. */
export const CHART_IMAGE_DIR = 'charts';

/** Path of a chart's PNG relative to the report's folder, e.g. `charts/history.png`. */
export function chartImagePath(id: string): string {
  return `${CHART_IMAGE_DIR}/${id}.png`;
}

/** Where Debian/Ubuntu (fonts-dejavu-core) and Fedora keep DejaVu Sans. */
const DEJAVU_SANS = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
];

let fontOptions: ResvgRenderOptions['font'] | undefined;

/**
 * Vega writes `font-family: sans-serif`; resvg needs a concrete face for it. One known font file when
 * there is one: loading every system font costs about as much as rasterising the chart.
 */
function chartFont(): ResvgRenderOptions['font'] {
  if (!fontOptions) {
    const file = DEJAVU_SANS.find((f) => existsSync(f));
    fontOptions = {
      ...(file ? { loadSystemFonts: false, fontFiles: [file] } : { loadSystemFonts: true }),
      defaultFontFamily: 'DejaVu Sans',
      sansSerifFamily: 'DejaVu Sans',
    };
  }
  return fontOptions;
}

/** One SVG document as PNG bytes. */
export function svgToPng(svg: string): Buffer {
  const image = new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: 2 }, font: chartFont() });
  return image.render().asPng();
}

/** Writes every chart of the report as `<outDir>/charts/<id>.png`; returns the written paths. */
export async function writeChartImages(options: { report: SweepReport; outDir: string }): Promise<string[]> {
  const charts = await renderCharts(options.report);
  if (charts.length === 0) return [];
  await mkdir(join(options.outDir, CHART_IMAGE_DIR), { recursive: true });
  const paths: string[] = [];
  for (const chart of charts) {
    const path = join(options.outDir, chartImagePath(chart.id));
    await writeFile(path, svgToPng(chart.svg));
    paths.push(path);
  }
  return paths;
}
