/** What `/v1/ocr` can answer with besides its JSON: archive formats built from the spotting task's line boxes. */
export const ARCHIVE_FORMATS = ["pdf", "alto", "hocr"] as const;
export type ArchiveFormat = (typeof ARCHIVE_FORMATS)[number];
export const OUTPUT_FORMATS = ["json", ...ARCHIVE_FORMATS] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

interface FormatDescription {
  contentType: string;
  extension: string;
}

const DESCRIPTIONS: Record<ArchiveFormat, FormatDescription> = {
  pdf: { contentType: "application/pdf", extension: "pdf" },
  alto: { contentType: "application/xml; charset=utf-8", extension: "alto.xml" },
  hocr: { contentType: "text/html; charset=utf-8", extension: "hocr.html" },
};

export function isArchiveFormat(format: OutputFormat | undefined | null): format is ArchiveFormat {
  return format != null && format !== "json";
}

/** The media type and file extension an archive format is served and saved with. */
export function describeArchiveFormat(format: ArchiveFormat): FormatDescription {
  return DESCRIPTIONS[format];
}

/**
 * A safe file name for `Content-Disposition` and the CLI's outputs: the document's own name without its
 * extension (or `document`), then the format's extension.
 */
export function archiveFileName(format: ArchiveFormat, documentName: string | undefined): string {
  const base = (documentName ?? "")
    .replace(/^.*[\\/]/, "")
    .replace(/\.[^.]*$/, "")
    .replace(/[^\p{L}\p{N}._-]+/gu, "_")
    .slice(0, 100);
  return `${base.length > 0 ? base : "document"}.${DESCRIPTIONS[format].extension}`;
}
