import { readFile } from "node:fs/promises";
import type { DocumentLocation } from "./batch-document.ts";
import type { DocumentOptions } from "./document-options.ts";
import { writeFileAtomic } from "./write-atomic.ts";

/** A document handed to the server in a batch, and how to match its answer (by `customId`) on return. */
export interface SubmittedDocument {
  key: string;
  location: DocumentLocation;
  /** The line that reads it; copies (same bytes and options) share their original's line. */
  customId: string;
  sha256: string;
  size: number;
  mtimeMs: number | null;
  optionsDigest: string;
  options: DocumentOptions;
}

/** One server batch of this output folder: created, then collected once it ended. */
export interface Submission {
  server: string;
  input_file_id: string;
  /** Null between the upload and the batch's creation (a run killed there finds it by its input file). */
  batch_id: string | null;
  submitted_at: string;
  documents: SubmittedDocument[];
  /** The batch's final status once its results were written into the output folder. */
  collected: string | null;
}

/**
 * `.ocr-batch-submissions.json`: the server batches that hold this folder's documents. It is rewritten
 * atomically after every change, so a run killed at any point leaves the list as it was before or after.
 */
export class SubmissionLog {
  private constructor(
    private readonly file: string,
    private readonly tempDir: string,
    readonly submissions: Submission[],
  ) {}

  static async open(file: string, tempDir: string): Promise<SubmissionLog> {
    const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return '{"submissions":[]}';
      throw error;
    });
    const parsed = JSON.parse(text) as { submissions?: Submission[] };
    return new SubmissionLog(file, tempDir, parsed.submissions ?? []);
  }

  /** Submissions whose results have not been written yet. */
  pending(): Submission[] {
    return this.submissions.filter((submission) => submission.collected === null);
  }

  /** Whether this document, with these bytes and options, is in a batch still to collect (not sent twice). */
  isPending(key: string, sha256: string, optionsDigest: string): boolean {
    return this.pending().some((submission) =>
      submission.documents.some(
        (document) =>
          document.key === key && document.sha256 === sha256 && document.optionsDigest === optionsDigest,
      ),
    );
  }

  async add(submission: Submission): Promise<void> {
    this.submissions.push(submission);
    await this.save();
  }

  async save(): Promise<void> {
    const text = `${JSON.stringify({ submissions: this.submissions }, null, 1)}\n`;
    await writeFileAtomic(this.file, text, this.tempDir);
  }
}
