/** Durations in pipeline files: `500ms`, `30s`, `30m`, `2h`, `1d` (`parseDuration` also takes a number of milliseconds). */
export const DURATION_PATTERN = '^\\d+(\\.\\d+)?(ms|s|m|h|d)$';
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export const parseDuration = (value: string | number): number => {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`not a duration: ${value}`);
    return value;
  }
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim());
  if (!match) throw new RangeError(`not a duration: "${value}" (use e.g. 500ms, 30s, 30m, 2h, 1d)`);
  return Math.round(Number(match[1]) * UNIT_MS[match[2] as string]!);
};

/** The JSON Schema fragment for a duration option. */
export const durationSchema = (description: string, defaultValue?: string) => ({
  description: `${description} A duration such as 500ms, 30s, 30m, 2h or 1d.`,
  type: 'string',
  pattern: DURATION_PATTERN,
  ...(defaultValue === undefined ? {} : { default: defaultValue }),
});
