const BARS = '▁▂▃▄▅▆▇█'

/** A one-line chart of the values, scaled to the largest (all zeros: the lowest bar). */
export function sparkline(values: readonly number[], max = Math.max(0, ...values)): string {
  if (max <= 0) return BARS[0]!.repeat(values.length)
  return values.map((v) => BARS[Math.min(BARS.length - 1, Math.round((v / max) * (BARS.length - 1)))]).join('')
}
