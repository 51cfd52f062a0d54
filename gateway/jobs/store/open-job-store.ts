import type { Logger } from "pino";
import type { JobStore } from "./job-store.ts";
import { PostgresJobStore } from "./postgres/postgres-job-store.ts";
import { SqliteJobStore } from "./sqlite/sqlite-job-store.ts";

export interface JobStoreSettings {
  /** PostgreSQL connection string; unset → the embedded SQLite store. */
  databaseUrl?: string | undefined;
  /** Where the embedded store keeps `jobs.sqlite`. */
  dataDir: string;
}

/**
 * Opens the configured job store and brings its schema up to date: PostgreSQL when `databaseUrl` is set
 * (several replicas share it), else SQLite under `dataDir` (nothing to run).
 */
export async function openJobStore(settings: JobStoreSettings, logger: Logger): Promise<JobStore> {
  if (settings.databaseUrl) {
    return PostgresJobStore.open({
      connectionString: settings.databaseUrl,
      onIdleError: (error) => logger.warn({ err: error.message }, "job store connection lost; reconnecting"),
    });
  }
  return SqliteJobStore.open(settings.dataDir);
}
