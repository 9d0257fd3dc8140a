import type { DaemonConfig } from '../config.js'
import type { Storage } from '../storage/types.js'

/** What every service gets: the storage seam, the parsed config and the clock (ms). */
export interface ServiceContext {
  readonly storage: Storage
  readonly config: DaemonConfig
  readonly now: () => number
}
