/** The registry of report plug-ins (src/reporting/analysis/report-plugin.ts), looked up by a spec's `interpretation`. */
import { UserError } from '../../core/common/errors.js';
import { convStudyPlugin } from './conv-study.js';
import type { ReportPlugin } from './report-plugin.js';
import type { SweepReport } from './report-types.js';

/** Every report plug-in, by name. */
export const REPORT_PLUGINS: ReadonlyMap<string, ReportPlugin> = new Map([
  [convStudyPlugin.name, convStudyPlugin],
]);

/**
 * The plug-in a spec names.
 * @throws UserError `E_REPORT_PLUGIN` for an unknown name, listing the known ones.
 */
export function reportPlugin(name: string): ReportPlugin {
  const plugin = REPORT_PLUGINS.get(name);
  if (plugin) return plugin;
  const known = [...REPORT_PLUGINS.values()].map((p) => `${p.name} (${p.description})`).join('; ');
  throw new UserError(
    'E_REPORT_PLUGIN',
    `unknown report plug-in "${name}" in the spec's \`interpretation\`; known: ${known}. Leave \`interpretation\` out for the generic report`,
  );
}

/** The plug-in that shaped a built report, if any. */
export function pluginOf(report: SweepReport): ReportPlugin | undefined {
  return report.plugin === null ? undefined : REPORT_PLUGINS.get(report.plugin);
}
