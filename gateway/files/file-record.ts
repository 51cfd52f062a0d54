/** Why a file is stored: a batch's input (uploaded), or a batch's output or error file (written by the gateway). */
export type FilePurpose = "batch" | "batch_output";

/** Mistral's `sample_type`: what the lines of the file are. */
export type SampleType = "batch_request" | "batch_result" | "batch_error";

export interface FileRecord {
  id: string;
  owner: string;
  purpose: FilePurpose;
  sample_type: SampleType;
  filename: string;
  bytes: number;
  num_lines: number | null;
  /** Unix seconds. */
  created_at: number;
  expires_at: number | null;
}

/** The media type of a stored file, from its name: batch files are JSONL; a batch line's archive file is not. */
export function fileMediaType(filename: string): string {
  if (filename.endsWith(".pdf")) return "application/pdf";
  if (filename.endsWith(".xml")) return "application/xml";
  if (filename.endsWith(".html")) return "text/html";
  return "application/jsonl";
}

/**
 * The file object both SDKs read: OpenAI's `FileObject` (`status`, `expires_at`) and Mistral's file schema
 * (`sample_type`, `source`, `num_lines`, `mimetype`, `deleted`) in one body, since both call `/v1/files`.
 */
export function toFileObject(file: FileRecord) {
  return {
    id: file.id,
    object: "file" as const,
    bytes: file.bytes,
    created_at: file.created_at,
    filename: file.filename,
    purpose: file.purpose,
    status: "processed" as const,
    status_details: null,
    expires_at: file.expires_at,
    sample_type: file.sample_type,
    source: "upload" as const,
    num_lines: file.num_lines,
    mimetype: fileMediaType(file.filename),
    signature: null,
    deleted: false,
  };
}
