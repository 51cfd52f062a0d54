import { randomBytes } from "node:crypto";
import type { SqlClient, SqlRow } from "../batches/sql-client.ts";
import type { FilePurpose, FileRecord, SampleType } from "./file-record.ts";

export interface NewFile {
  owner: string;
  purpose: FilePurpose;
  sample_type: SampleType;
  filename: string;
  content: Buffer;
  /** Unix seconds, or null to keep the file until it is deleted. */
  expires_at: number | null;
  /** Lines of a JSONL file; counted from the content when not given (null for a PDF or XML file). */
  num_lines?: number | null;
}

export interface ListPage<T> {
  data: T[];
  has_more: boolean;
}

const COLUMNS = "id, owner, purpose, sample_type, filename, bytes, num_lines, created_at, expires_at";

function toRecord(row: SqlRow): FileRecord {
  return {
    id: String(row.id),
    owner: String(row.owner),
    purpose: row.purpose as FilePurpose,
    sample_type: row.sample_type as SampleType,
    filename: String(row.filename),
    bytes: Number(row.bytes),
    num_lines: row.num_lines == null ? null : Number(row.num_lines),
    created_at: Math.floor(Number(row.created_at) / 1000),
    expires_at: row.expires_at == null ? null : Math.floor(Number(row.expires_at) / 1000),
  };
}

function countLines(content: Buffer): number {
  let lines = 0;
  for (const row of content.toString("utf8").split("\n")) if (row.trim() !== "") lines++;
  return lines;
}

/**
 * Files (batch inputs and outputs) with their bytes, in the shared database so every replica can serve them.
 * Every read is scoped to the owner: another caller's file is indistinguishable from a missing one.
 */
export class FileStore {
  constructor(private readonly db: SqlClient) {}

  async create(file: NewFile, db: SqlClient = this.db): Promise<FileRecord> {
    const id = `file-${randomBytes(12).toString("hex")}`;
    const now = Date.now();
    await db.run(`INSERT INTO gateway_files (${COLUMNS}, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
      id,
      file.owner,
      file.purpose,
      file.sample_type,
      file.filename,
      file.content.length,
      file.num_lines === undefined ? countLines(file.content) : file.num_lines,
      now,
      file.expires_at === null ? null : file.expires_at * 1000,
      file.content,
    ]);
    const created = await this.get(file.owner, id, db);
    if (!created) throw new Error(`file ${id} vanished after insert`);
    return created;
  }

  async get(owner: string, id: string, db: SqlClient = this.db): Promise<FileRecord | null> {
    const [row] = await db.all(`SELECT ${COLUMNS} FROM gateway_files WHERE id = ? AND owner = ?`, [
      id,
      owner,
    ]);
    return row ? toRecord(row) : null;
  }

  async content(owner: string, id: string, db: SqlClient = this.db): Promise<Buffer | null> {
    const [row] = await db.all<{ content: Buffer }>(
      "SELECT content FROM gateway_files WHERE id = ? AND owner = ?",
      [id, owner],
    );
    return row ? Buffer.from(row.content) : null;
  }

  /** Newest first (OpenAI's default order), `limit` per page, continuing after the file `after`. */
  async list(
    owner: string,
    options: {
      after?: string | undefined;
      limit: number;
      purpose?: string | undefined;
      order: "asc" | "desc";
    },
  ): Promise<ListPage<FileRecord>> {
    const params: Array<string | number> = [owner];
    let where = "owner = ?";
    if (options.purpose) {
      where += " AND purpose = ?";
      params.push(options.purpose);
    }
    if (options.after) {
      const [cursor] = await this.db.all("SELECT created_at FROM gateway_files WHERE id = ? AND owner = ?", [
        options.after,
        owner,
      ]);
      if (cursor) {
        const op = options.order === "desc" ? "<" : ">";
        where += ` AND (created_at ${op} ? OR (created_at = ? AND id ${op} ?))`;
        params.push(Number(cursor.created_at), Number(cursor.created_at), options.after);
      }
    }
    const direction = options.order === "desc" ? "DESC" : "ASC";
    const rows = await this.db.all(
      `SELECT ${COLUMNS} FROM gateway_files WHERE ${where} ORDER BY created_at ${direction}, id ${direction} LIMIT ?`,
      [...params, options.limit + 1],
    );
    return { data: rows.slice(0, options.limit).map(toRecord), has_more: rows.length > options.limit };
  }

  async delete(owner: string, id: string, db: SqlClient = this.db): Promise<boolean> {
    return (await db.run("DELETE FROM gateway_files WHERE id = ? AND owner = ?", [id, owner])) > 0;
  }

  /** Sets when the owner's files `ids` expire (Unix seconds). */
  async setExpiry(owner: string, ids: readonly string[], expiresAt: number, db: SqlClient = this.db) {
    for (const id of ids) {
      await db.run("UPDATE gateway_files SET expires_at = ? WHERE id = ? AND owner = ?", [
        expiresAt * 1000,
        id,
        owner,
      ]);
    }
  }

  /** Deletes the owner's `batch_output` files named `prefix…` except `keep`; answers how many. */
  async deleteOutputsNamed(
    owner: string,
    prefix: string,
    keep: readonly string[],
    db: SqlClient = this.db,
  ): Promise<number> {
    const rows = await db.all(
      "SELECT id FROM gateway_files WHERE owner = ? AND purpose = 'batch_output' AND substr(filename, 1, ?) = ?",
      [owner, prefix.length, prefix],
    );
    const kept = new Set(keep);
    let deleted = 0;
    for (const { id } of rows)
      if (!kept.has(String(id))) deleted += (await this.delete(owner, String(id), db)) ? 1 : 0;
    return deleted;
  }

  /** Deletes files past their `expires_at`; answers how many. */
  async purgeExpired(now = Date.now()): Promise<number> {
    return this.db.run("DELETE FROM gateway_files WHERE expires_at IS NOT NULL AND expires_at <= ?", [now]);
  }
}
