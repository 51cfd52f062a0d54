import { FileStore } from "../files/file-store.ts";
import { WebhookStore } from "../webhooks/webhook-store.ts";
import { BatchLineStore } from "./batch-line-store.ts";
import { migrateBatchSchema } from "./batch-schema.ts";
import { BatchStore } from "./batch-store.ts";
import type { SqlClient } from "./sql-client.ts";

/** The stores of files, batches, batch lines and webhook deliveries, over one database. */
export interface BatchStores {
  db: SqlClient;
  files: FileStore;
  batches: BatchStore;
  lines: BatchLineStore;
  webhooks: WebhookStore;
}

/** Migrates the schema, then builds the stores over `db`. */
export async function openBatchStores(db: SqlClient): Promise<BatchStores> {
  await migrateBatchSchema(db);
  return {
    db,
    files: new FileStore(db),
    batches: new BatchStore(db),
    lines: new BatchLineStore(db),
    webhooks: new WebhookStore(db),
  };
}
