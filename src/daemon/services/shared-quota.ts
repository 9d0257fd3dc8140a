/**
 * Each project's daily quota counted once for every daemon of a team (in Redis): without it,
 * each daemon counts what it accepts itself, and N daemons could accept up to N times the quota.
 * `reserve` answers null while the shared count is unavailable: the daemon then counts alone.
 */
export interface SharedQuota {
  /**
   * Reserves up to `n` logs of the project's quota for `day` (days since the epoch, UTC);
   * returns how many fit, or null when the shared count cannot be reached. `seed` is what this
   * daemon knows to be used already (committed, read from storage, and its own reservations):
   * the count starts from it when no daemon has counted that day yet.
   */
  reserve(projectId: number, day: number, n: number, limit: number, seed: number): Promise<number | null>
  /** Gives back `n` reserved logs that were not stored (a refused or failed commit). */
  release(projectId: number, day: number, n: number): void
}
