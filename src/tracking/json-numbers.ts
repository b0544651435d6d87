/**
 * JSON that keeps NaN and ±Infinity. Plain JSON turns them into `null`, and a trial's metrics may be NaN
 * (a diverged loss): the outbox journal and the record artifacts (`trial.json`) would
 * lose them. They are written as `{"$number":"NaN"}` (`"Infinity"`, `"-Infinity"`), which nothing else
 * in those files looks like, and read back as numbers.
 */

export function toJson(value: unknown, space?: number): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { $number: String(v) } : v),
    space,
  );
}

export function fromJson<T>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => (isEncodedNumber(v) ? Number(v.$number) : v)) as T;
}

function isEncodedNumber(v: unknown): v is { $number: string } {
  if (typeof v !== 'object' || v === null) return false;
  const keys = Object.keys(v);
  const text = (v as { $number?: unknown }).$number;
  return keys.length === 1 && (text === 'NaN' || text === 'Infinity' || text === '-Infinity');
}
