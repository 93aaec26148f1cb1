/**
 * ISO 8601 durations as the hub accepts them: weeks (`P2W`), or days and a time part
 * (`P3D`, `PT24H`, `P1DT12H`, `PT90S`). Years and months are refused: their length depends on the
 * calendar, and a deadline must mean the same number of hours to every member.
 */
// Without lookaheads: the JSON Schema pattern must be generable by schema-driven test tools too.
const TIME_PART = String.raw`T(?:\d{1,3}H(?:\d{1,4}M)?(?:\d{1,6}S)?|\d{1,4}M(?:\d{1,6}S)?|\d{1,6}S)`;
export const ISO_DURATION_PATTERN = new RegExp(
  String.raw`^P(?:\d{1,3}W|\d{1,3}D(?:${TIME_PART})?|${TIME_PART})$`,
);

const UNIT_MS: Record<string, number> = {
  W: 7 * 86_400_000,
  D: 86_400_000,
  H: 3_600_000,
  M: 60_000,
  S: 1_000,
};

/** The duration in milliseconds, or null when the text is not one the hub accepts. */
export function isoDurationMs(value: string): number | null {
  if (!ISO_DURATION_PATTERN.test(value)) return null;
  const [datePart, timePart = ''] = value.slice(1).split('T');
  let total = 0;
  for (const [part, units] of [
    [datePart, 'WD'],
    [timePart, 'HMS'],
  ] as const) {
    for (const match of part.matchAll(/(\d+)([A-Z])/g)) {
      if (!units.includes(match[2])) return null;
      total += Number(match[1]) * UNIT_MS[match[2]];
    }
  }
  return total;
}
