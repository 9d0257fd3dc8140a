// Formatting shared by the CLI's commands and the TUI (pure, no dependencies).

const SPARKS = '▁▂▃▄▅▆▇█'

/** `45s`, `12m 3s`, `2h 5m`, `3d 4h`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds))
  const d = Math.floor(s / 86400)
  const h = Math.floor((s % 86400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  if (d > 0) return `${d}d ${h}h`
  if (h > 0) return `${h}h ${m}m`
  if (m > 0) return `${m}m ${s % 60}s`
  return `${s}s`
}

/**
 * A sparkline of `points` in `width` characters: each character sums a run of consecutive
 * points (the most recent at the right), scaled to the largest run.
 */
export function sparkline(points: readonly number[], width: number): string {
  if (width <= 0) return ''
  const per = Math.max(1, Math.ceil(points.length / width))
  const buckets: number[] = []
  for (let end = points.length; end > 0 && buckets.length < width; end -= per) {
    let sum = 0
    for (let i = Math.max(0, end - per); i < end; i++) sum += points[i]!
    buckets.unshift(sum)
  }
  const max = Math.max(0, ...buckets)
  const line = buckets
    .map((v) => (max === 0 || v === 0 ? ' ' : SPARKS[Math.min(7, Math.floor((v / max) * 7.999))]!))
    .join('')
  return line.padStart(width, ' ')
}
