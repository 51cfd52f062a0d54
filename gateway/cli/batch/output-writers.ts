import { DEFAULT_IMAGE_LIMITS } from "../../images/image-limits.ts";
import type { OcrResponse } from "../../ocr/ocr-response.ts";
import { ARCHIVE_FORMATS, describeArchiveFormat } from "../../output-formats/output-format.ts";
import { renderArchiveFormat } from "../../output-formats/render-archive-format.ts";
import { gatewaySoftware } from "../../version.ts";

/** The document an answer was read from, loaded only by the formats that are built on it (the searchable PDF). */
export type DocumentSource = () => Promise<{ bytes: Uint8Array; name: string }>;

/**
 * One output format of a batch: the file extension it adds to the document's key and how it renders a
 * `/v1/ocr` answer. To add a format, add an entry here; nothing else in the batch code names formats.
 */
export interface OutputWriter {
  name: string;
  extension: string;
  /** Built from text positions: the document must be read with the `spotting` task. */
  needsBoxes?: boolean;
  render(response: OcrResponse, source: DocumentSource): string | Uint8Array | Promise<string | Uint8Array>;
}

const writers: OutputWriter[] = [
  {
    name: "json",
    extension: ".json",
    // The `/v1/ocr` answer itself, so `--format json` output can be read back as one (and resumed from).
    render: (response) => `${JSON.stringify(response, null, 2)}\n`,
  },
  {
    name: "md",
    extension: ".md",
    render: (response) => `${response.pages.map((page) => page.markdown).join("\n\n")}\n`,
  },
  {
    name: "txt",
    extension: ".txt",
    render: (response) => `${response.text}\n`,
  },
  // `/v1/ocr`'s archive formats (`output_format`): searchable PDF, ALTO XML, hOCR.
  ...ARCHIVE_FORMATS.map(
    (format): OutputWriter => ({
      name: format,
      extension: `.${describeArchiveFormat(format).extension}`,
      needsBoxes: true,
      render: async (response, source) => {
        if (response.task !== "spotting") {
          throw new Error(
            `--format ${format} needs the spotting task; this document was read with "${response.task}".`,
          );
        }
        const { bytes, name } = await source();
        return renderArchiveFormat(
          format,
          { response, bytes, name, software: gatewaySoftware() },
          DEFAULT_IMAGE_LIMITS,
        );
      },
    }),
  ),
];

export const OUTPUT_WRITERS: ReadonlyMap<string, OutputWriter> = new Map(
  writers.map((writer) => [writer.name, writer]),
);

/** Parses `--format md,json`; throws naming the unknown format and the known ones. */
export function parseFormats(spec: string): OutputWriter[] {
  const names = [
    ...new Set(
      spec
        .split(",")
        .map((name) => name.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
  if (names.length === 0) throw new Error("--format needs at least one format.");
  return names.map((name) => {
    const writer = OUTPUT_WRITERS.get(name);
    if (!writer)
      throw new Error(`Unknown format "${name}"; known: ${[...OUTPUT_WRITERS.keys()].join(", ")}.`);
    return writer;
  });
}
