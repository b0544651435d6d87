/** Number formatting shared by the interpretation text and every renderer. */

/** A proportion as a percentage with one decimal, e.g. `0.6831` → `68.3 %`; `–` when missing. */
export function formatPercent(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(digits)} %`;
}

/** A difference of proportions in percentage points with sign, e.g. `+4.2 pp`. */
export function formatPoints(x: number | null | undefined, digits = 1): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  const v = x * 100;
  return `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(digits)} pp`;
}

/** A p-value: three significant digits, `< 0.0001` below that. */
export function formatP(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '–';
  if (p < 1e-4) return '< 0.0001';
  return p
    .toPrecision(3)
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '');
}

/** A plain number with `digits` decimals and a real minus sign; `–` when missing. */
export function formatNumber(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return x < 0 ? `−${Math.abs(x).toFixed(digits)}` : x.toFixed(digits);
}

/** An integer with thousands separators (`1,707,274`). */
export function formatCount(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : Math.round(x).toLocaleString('en-US');
}

/** An interval `[lo, hi]` formatted by `format`. */
export function formatInterval(
  ci: readonly [number, number] | null | undefined,
  format: (x: number) => string,
): string {
  return ci ? `[${format(ci[0])}, ${format(ci[1])}]` : '–';
}

/** A p-value after its name: `= 0.0312` or `< 0.0001`. */
export function formatPEquals(p: number | null | undefined): string {
  const text = formatP(p);
  return text.startsWith('<') ? text : `= ${text}`;
}

/**
 * A value of a generic metric (any scale): `digits` significant digits, thousands separators from
 * 10,000 up, exponent notation below 0.001; a real minus sign; `–` when missing. `0.397887` → `0.3979`.
 */
export function formatValue(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  let text: string;
  if (a === 0) text = '0';
  else if (a >= 10 ** digits) text = Math.round(a).toLocaleString('en-US');
  else if (a < 1e-3) text = a.toExponential(digits - 1);
  else text = a.toPrecision(digits);
  return x < 0 ? `−${text}` : text;
}

/** A difference of a generic metric, signed: `+0.0123`, `−1.250`. */
export function formatSignedValue(x: number | null | undefined, digits = 4): string {
  const text = formatValue(x, digits);
  return text === '–' || text.startsWith('−') ? text : `+${text}`;
}
