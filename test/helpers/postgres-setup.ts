import { stopTestPostgresAfterAll } from './test-storage.js'

// setupFiles of the `postgres` vitest project: each file's PostgreSQL server stops after it.
stopTestPostgresAfterAll()
