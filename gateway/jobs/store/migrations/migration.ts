/** One version of a store's schema: statements run in one transaction, recorded in `schema_migrations`. */
export interface Migration {
  version: number;
  name: string;
  statements: readonly string[];
}

/** The migrations not yet applied, in version order. */
export function pendingMigrations(all: readonly Migration[], applied: ReadonlySet<number>): Migration[] {
  return [...all]
    .sort((a, b) => a.version - b.version)
    .filter((migration) => !applied.has(migration.version));
}
