import { type FileHandle, open, readFile } from "node:fs/promises";
import path from "node:path";
import type { DocumentOptions } from "./document-options.ts";
import { writeFileAtomic } from "./write-atomic.ts";

/** Why a document failed, as the gateway said it (`code` and `status` are stable; `message` is for people). */
export interface FailureReason {
  code: string;
  status: number;
  message: string;
}

/** What the run state knows about one document after its last attempt. */
export interface DocumentRecord {
  key: string;
  status: "done" | "failed";
  /** SHA-256 of the document's bytes, hex. */
  sha256: string;
  size: number;
  /** The file's modification time when read (lets a resume skip re-hashing unchanged files); null for URLs. */
  mtimeMs: number | null;
  /** Digest of the options (see `optionsDigest`), and the options themselves for people reading the file. */
  optionsDigest: string;
  options: DocumentOptions;
  /** Output formats written (done only). */
  formats: string[];
  pages: number;
  /** Wall time of the last attempt, ms. */
  ms: number;
  error?: FailureReason;
  /** Set when the result was copied from another document with the same bytes and options. */
  duplicateOf?: string;
  at: string;
}

/**
 * The run state: an append-only JSON Lines file, one record per finished attempt, the last record of a key
 * winning. Appending a line is the commit point of a document (its outputs were renamed into place just
 * before), so a run killed at any instant leaves at worst a torn last line, which `open` drops. At open the
 * file is rewritten with one line per document (atomically), so it does not grow with retries.
 */
export class RunState {
  private chain: Promise<void> = Promise.resolve();
  /** `sha256/optionsDigest` → key of a document done with them. */
  private readonly doneByContent = new Map<string, string>();

  private constructor(
    private readonly records: Map<string, DocumentRecord>,
    private readonly handle: FileHandle,
  ) {
    for (const record of records.values()) this.index(record);
  }

  private index(record: DocumentRecord): void {
    if (record.status === "done")
      this.doneByContent.set(`${record.sha256}/${record.optionsDigest}`, record.key);
  }

  static async open(file: string, tempDir: string): Promise<RunState> {
    const records = new Map<string, DocumentRecord>();
    const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return "";
      throw error;
    });
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      try {
        const record = JSON.parse(line) as DocumentRecord;
        if (typeof record.key === "string" && typeof record.sha256 === "string")
          records.set(record.key, record);
      } catch {
        // A line torn by a kill mid-append: that attempt did not commit.
      }
    }
    const compacted = [...records.values()].map((record) => `${JSON.stringify(record)}\n`).join("");
    await writeFileAtomic(path.resolve(file), compacted, tempDir);
    return new RunState(records, await open(file, "a"));
  }

  get(key: string): DocumentRecord | undefined {
    return this.records.get(key);
  }

  /** A document done (by any key) with these bytes and options, e.g. a copy found in an earlier run. */
  findDone(sha256: string, digest: string): DocumentRecord | undefined {
    const key = this.doneByContent.get(`${sha256}/${digest}`);
    const record = key === undefined ? undefined : this.records.get(key);
    return record?.status === "done" && record.sha256 === sha256 ? record : undefined;
  }

  all(): DocumentRecord[] {
    return [...this.records.values()];
  }

  /** Records a finished attempt; resolves once the line is written (appends are serialised). */
  append(record: DocumentRecord): Promise<void> {
    this.records.set(record.key, record);
    this.index(record);
    const line = `${JSON.stringify(record)}\n`;
    this.chain = this.chain.then(() => this.handle.appendFile(line));
    return this.chain;
  }

  async close(): Promise<void> {
    await this.chain;
    await this.handle.close();
  }
}
