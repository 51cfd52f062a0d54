/** Every container the gateway can recognise from its first bytes. */
export type MediaKind =
  | "jpeg"
  | "png"
  | "gif"
  | "webp"
  | "tiff"
  | "bmp"
  | "avif"
  | "heif"
  | "pdf"
  | "mp4"
  | "mov"
  | "webm"
  | "mkv"
  | "avi";

export type MediaCategory = "image" | "document" | "video";

/** Image kinds `normalizeImage` decodes. HEIF/HEIC is recognised but not decodable: sharp's prebuilt libvips has no HEVC decoder. */
export const SUPPORTED_IMAGE_KINDS = ["jpeg", "png", "gif", "webp", "tiff", "bmp", "avif"] as const;
export type SupportedImageKind = (typeof SUPPORTED_IMAGE_KINDS)[number];

const MEDIA_INFO: Record<MediaKind, { mimeType: string; category: MediaCategory }> = {
  jpeg: { mimeType: "image/jpeg", category: "image" },
  png: { mimeType: "image/png", category: "image" },
  gif: { mimeType: "image/gif", category: "image" },
  webp: { mimeType: "image/webp", category: "image" },
  tiff: { mimeType: "image/tiff", category: "image" },
  bmp: { mimeType: "image/bmp", category: "image" },
  avif: { mimeType: "image/avif", category: "image" },
  heif: { mimeType: "image/heif", category: "image" },
  pdf: { mimeType: "application/pdf", category: "document" },
  mp4: { mimeType: "video/mp4", category: "video" },
  mov: { mimeType: "video/quicktime", category: "video" },
  webm: { mimeType: "video/webm", category: "video" },
  mkv: { mimeType: "video/x-matroska", category: "video" },
  avi: { mimeType: "video/x-msvideo", category: "video" },
};

/** The MIME type of a detected kind, e.g. `image/jpeg`. */
export function mimeTypeOf(kind: MediaKind): string {
  return MEDIA_INFO[kind].mimeType;
}

/** Whether a kind is an image, a document (PDF) or a video container. */
export function mediaCategoryOf(kind: MediaKind): MediaCategory {
  return MEDIA_INFO[kind].category;
}

export function isSupportedImageKind(kind: MediaKind): kind is SupportedImageKind {
  return (SUPPORTED_IMAGE_KINDS as readonly MediaKind[]).includes(kind);
}

const HEIF_BRANDS = new Set(["heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1"]);
const QUICKTIME_ATOMS = new Set(["moov", "mdat", "wide", "free", "skip", "pnot"]);
const BMP_INFO_HEADER_SIZES = new Set([12, 40, 52, 56, 64, 108, 124]);
/** PDF readers accept the `%PDF-` header anywhere in the first 1024 bytes (junk before it is common). */
const PDF_HEADER_WINDOW = 1024;

function ascii(bytes: Uint8Array, start: number, length: number): string {
  if (bytes.length < start + length) return "";
  return String.fromCharCode(...bytes.subarray(start, start + length));
}

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false;
  return signature.every((byte, index) => bytes[offset + index] === byte);
}

function readUint32BE(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, false);
}

/** "BM" alone is too weak a signature (1 in 65,536 random files): also check the reserved words and header size. */
function isBmp(bytes: Uint8Array): boolean {
  if (bytes.length < 26 || ascii(bytes, 0, 2) !== "BM") return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getUint32(6, true) === 0 && BMP_INFO_HEADER_SIZES.has(view.getUint32(14, true));
}

/** ISO base media files (`ftyp` box): AVIF, HEIF, MP4, QuickTime. */
function detectIsoMedia(bytes: Uint8Array): MediaKind | null {
  if (ascii(bytes, 4, 4) !== "ftyp") {
    return QUICKTIME_ATOMS.has(ascii(bytes, 4, 4)) ? "mov" : null;
  }
  const boxSize = Math.min(readUint32BE(bytes, 0), bytes.length, 256);
  const brands = [ascii(bytes, 8, 4)];
  for (let offset = 16; offset + 4 <= boxSize; offset += 4) brands.push(ascii(bytes, offset, 4));
  if (brands.includes("avif") || brands.includes("avis")) return "avif";
  if (brands[0] === "qt  ") return "mov";
  if (brands.some((brand) => HEIF_BRANDS.has(brand))) return "heif";
  return "mp4";
}

function detectMatroska(bytes: Uint8Array): MediaKind {
  const header = ascii(bytes, 0, Math.min(bytes.length, 64));
  return header.includes("webm") ? "webm" : "mkv";
}

function hasPdfHeader(bytes: Uint8Array): boolean {
  const window = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, PDF_HEADER_WINDOW));
  return window.includes("%PDF-", 0, "latin1");
}

/**
 * Identifies a file by its magic bytes, ignoring any declared content type or file name.
 * Returns null for anything unrecognised (text, random bytes, unknown formats).
 */
export function detectMediaType(bytes: Uint8Array): MediaKind | null {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "jpeg";
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "png";
  const head = ascii(bytes, 0, 6);
  if (head === "GIF87a" || head === "GIF89a") return "gif";
  if (ascii(bytes, 0, 4) === "RIFF") {
    const riffType = ascii(bytes, 8, 4);
    if (riffType === "WEBP") return "webp";
    if (riffType === "AVI ") return "avi";
  }
  // Classic TIFF (42) and BigTIFF (43), both byte orders.
  if (
    startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) ||
    startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a]) ||
    startsWith(bytes, [0x49, 0x49, 0x2b, 0x00]) ||
    startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2b])
  ) {
    return "tiff";
  }
  if (isBmp(bytes)) return "bmp";
  if (startsWith(bytes, [0x1a, 0x45, 0xdf, 0xa3])) return detectMatroska(bytes);
  if (bytes.length >= 12) {
    const isoKind = detectIsoMedia(bytes);
    if (isoKind) return isoKind;
  }
  if (hasPdfHeader(bytes)) return "pdf";
  return null;
}
