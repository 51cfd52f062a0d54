import { access, readFile } from "node:fs/promises";
import path from "node:path";
import type { OcrResponse } from "../../ocr/ocr-response.ts";
import { type DocumentSource, OUTPUT_WRITERS, type OutputWriter } from "./output-writers.ts";
import { writeFileAtomic } from "./write-atomic.ts";

/** Where a document's outputs go: `<out>/<key><extension>`, the input's tree mirrored. */
export class DocumentOutputs {
  constructor(
    readonly outDir: string,
    readonly formats: readonly OutputWriter[],
    private readonly tempDir: string,
  ) {}

  pathOf(key: string, writer: OutputWriter): string {
    return path.join(this.outDir, ...key.split("/")) + writer.extension;
  }

  /** The formats asked for that `key` lacks on disk (given those its record says were written). */
  async missing(key: string, written: readonly string[]): Promise<OutputWriter[]> {
    const missing: OutputWriter[] = [];
    for (const writer of this.formats) {
      const present =
        written.includes(writer.name) &&
        (await access(this.pathOf(key, writer)).then(
          () => true,
          () => false,
        ));
      if (!present) missing.push(writer);
    }
    return missing;
  }

  /** Writes each format atomically; the state records the document only after all of them are in place. */
  async write(
    key: string,
    response: OcrResponse,
    source: DocumentSource,
    writers: readonly OutputWriter[] = this.formats,
  ) {
    for (const writer of writers) {
      await writeFileAtomic(this.pathOf(key, writer), await writer.render(response, source), this.tempDir);
    }
  }

  /** The `/v1/ocr` answer saved by the `json` format for `key`, if there is one to re-render from. */
  async readSaved(key: string): Promise<OcrResponse | undefined> {
    const json = OUTPUT_WRITERS.get("json") as OutputWriter;
    try {
      return JSON.parse(await readFile(this.pathOf(key, json), "utf8")) as OcrResponse;
    } catch {
      return undefined;
    }
  }
}
