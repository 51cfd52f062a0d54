import type { OcrResponse } from "../../ocr/ocr-response.ts";

/**
 * One output format of a batch: the file extension it adds to the document's key and how it renders a
 * `/v1/ocr` answer. To add a format (e.g. the `pdf`, `alto`, `hocr` renderings planned for `/v1/ocr`'s
 * `output_format`), add an entry here; nothing else in the batch code names formats.
 */
export interface OutputWriter {
  name: string;
  extension: string;
  render(response: OcrResponse): string | Uint8Array;
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
