/**
 * The headers that serve a file as a download: its media type, and a `Content-Disposition` naming it both in
 * ASCII (`filename`, what every client reads) and in UTF-8 (`filename*`, RFC 6266 §4.3).
 */
export function attachmentHeaders(contentType: string, fileName: string): Record<string, string> {
  const ascii = fileName.replace(/[^\x20-\x7e]|"/g, "_");
  return {
    "content-type": contentType,
    "content-disposition": `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`,
  };
}
