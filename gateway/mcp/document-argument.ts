import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { BadRequestError, PayloadTooLargeError } from "../errors.ts";
import type { DocumentSource } from "../ocr/ocr-types.ts";

const MEDIA_TYPE = /^[\w.+-]+\/[\w.+-]+$/;
// Standard and URL-safe alphabets, with padding and line breaks (as `base64` tools wrap at 76 columns).
const BASE64 = /^[A-Za-z0-9+/=_\s-]+$/;

const localPath = z
  .string()
  .min(1)
  .optional()
  .describe("Path of a local file (image or PDF) on the machine running this server.");

const remoteDocumentShape = {
  url: z
    .string()
    .min(1)
    .optional()
    .describe(
      "http(s) URL of the document (image or PDF), fetched by the gateway; private and loopback addresses " +
        "are refused. A data: URL also works.",
    ),
  base64: z
    .string()
    .min(1)
    .optional()
    .describe("The document's bytes, base64-encoded (a data: URL is accepted too)."),
  mime_type: z
    .string()
    .regex(MEDIA_TYPE)
    .optional()
    .describe(
      "Media type of `base64`, e.g. image/png or application/pdf. Optional: the bytes are identified by " +
        "their content.",
    ),
  pages: z
    .union([z.array(z.number().int().min(0)), z.string().min(1)])
    .optional()
    .describe('0-based pages of a PDF or TIFF to read, as a list [0, 2] or a string "0,2-4". Default: all.'),
};

/**
 * The arguments every OCR tool takes to name its document. `path` exists only over stdio, where the client
 * runs the server on its own machine; over HTTP a local path could only fail, so it is not offered.
 */
export function documentArgumentShape(localFiles: boolean) {
  return {
    ...remoteDocumentShape,
    ...(localFiles ? { path: localPath } : {}),
  };
}

const documentArguments = z.object({ ...remoteDocumentShape, path: localPath });
export type DocumentArguments = z.output<typeof documentArguments>;

/** Picks the document fields out of a tool's (already validated) arguments. */
export function documentArgumentsOf(args: unknown): DocumentArguments {
  return documentArguments.parse(args);
}

async function readLocalFile(file: string, maxBytes: number): Promise<Buffer> {
  const resolved = path.resolve(file);
  const info = await stat(resolved).catch(() => undefined);
  if (!info?.isFile()) {
    throw new BadRequestError("file_not_found", `No readable file at ${resolved}.`, { param: "path" });
  }
  if (info.size > maxBytes) {
    throw new PayloadTooLargeError(
      "file_too_large",
      `${resolved} is ${info.size} bytes; at most ${maxBytes} (MAX_BODY_BYTES) can be read.`,
      { param: "path" },
    );
  }
  return readFile(resolved);
}

/**
 * Turns the document arguments into the source `/v1/ocr` would read: exactly one of `url`, `base64` or
 * (when `localFiles`) `path`. Throws 400s that name the argument to fix.
 */
export async function documentSourceOf(
  args: DocumentArguments,
  options: { localFiles: boolean; maxBytes: number },
): Promise<DocumentSource> {
  const given = (["url", "base64", "path"] as const).filter((name) => args[name] != null);
  if (given.length !== 1) {
    throw new BadRequestError(
      "invalid_document",
      `Give the document as exactly one of \`url\`, \`base64\`${options.localFiles ? " or `path`" : ""}; got ${
        given.length === 0 ? "none" : given.map((name) => `\`${name}\``).join(" and ")
      }.`,
      { param: "document" },
    );
  }
  if (args.path != null) {
    if (!options.localFiles) {
      throw new BadRequestError(
        "local_files_not_allowed",
        "`path` works only with the stdio MCP server (`ocr-gateway mcp`), which runs on your machine. Over " +
          "HTTP, send the file as `base64` or give its `url`.",
        { param: "path" },
      );
    }
    return { kind: "upload", bytes: await readLocalFile(args.path, options.maxBytes), name: args.path };
  }
  if (args.base64 != null) {
    const data = args.base64.trim();
    if (/^data:/i.test(data)) return { kind: "url", url: data, name: undefined };
    if (!BASE64.test(data)) {
      throw new BadRequestError("invalid_base64", "`base64` holds characters that are not base64.", {
        param: "base64",
      });
    }
    const url = `data:${args.mime_type ?? "application/octet-stream"};base64,${data}`;
    return { kind: "url", url, name: undefined };
  }
  return { kind: "url", url: args.url ?? "", name: undefined };
}
