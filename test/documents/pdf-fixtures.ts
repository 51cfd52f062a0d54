import { createHash, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import {
  degrees,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFRawStream,
  type PDFRef,
  rgb,
  StandardFonts,
} from "pdf-lib";
import { receiptPath } from "../support/fixtures.ts";

export const A4 = { width: 595.28, height: 841.89 } as const;
/** Where the receipt photo sits on page 1 of `buildSamplePdf`, in points from the top-left corner. */
export const RECEIPT_BOX = { left: 100, top: 120, width: 300, height: (300 * 1013) / 463 } as const;

export function readReceipt(name: string): Promise<Buffer> {
  return readFile(receiptPath(name));
}

/**
 * Three pages: 0 is A4 with a heading in Helvetica (a standard font pdf.js must load from disk); 1 is A4 with
 * a real receipt scan (000.jpg) at `RECEIPT_BOX`; 2 is an A5 page rotated 90° with a line of text.
 */
export async function buildSamplePdf(): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const heading = pdf.addPage([A4.width, A4.height]);
  heading.drawText("Invoice 2024-001", { x: 72, y: A4.height - 100, size: 36, font, color: rgb(0, 0, 0) });
  heading.drawText("Total due: 42.00 EUR", { x: 72, y: A4.height - 160, size: 18, font });

  const receiptPage = pdf.addPage([A4.width, A4.height]);
  const receipt = await pdf.embedJpg(await readReceipt("000"));
  receiptPage.drawImage(receipt, {
    x: RECEIPT_BOX.left,
    y: A4.height - RECEIPT_BOX.top - RECEIPT_BOX.height,
    width: RECEIPT_BOX.width,
    height: RECEIPT_BOX.height,
  });
  receiptPage.drawText("Scanned receipt", { x: 100, y: A4.height - 90, size: 20, font });

  const rotated = pdf.addPage([419.53, 595.28]);
  rotated.setRotation(degrees(90));
  rotated.drawText("Rotated page", { x: 50, y: 300, size: 24, font });
  return pdf.save();
}

const PASSWORD_PADDING = Buffer.from(
  "28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a",
  "hex",
);

function md5(...parts: Buffer[]): Buffer {
  const hash = createHash("md5");
  for (const part of parts) hash.update(part);
  return hash.digest();
}

function rc4(key: Buffer, data: Uint8Array): Buffer {
  const state = Array.from({ length: 256 }, (_, i) => i);
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + (state[i] ?? 0) + (key[i % key.length] ?? 0)) & 255;
    [state[i], state[j]] = [state[j] ?? 0, state[i] ?? 0];
  }
  const out = Buffer.alloc(data.length);
  for (let n = 0, i = 0, j = 0; n < data.length; n++) {
    i = (i + 1) & 255;
    j = (j + (state[i] ?? 0)) & 255;
    [state[i], state[j]] = [state[j] ?? 0, state[i] ?? 0];
    out[n] = (data[n] ?? 0) ^ (state[((state[i] ?? 0) + (state[j] ?? 0)) & 255] ?? 0);
  }
  return out;
}

/** RC4 applied 20 times with the key XOR-ed with 0…19 (PDF standard security handler, revision 3). */
function rc4TwentyRounds(key: Buffer, data: Buffer): Buffer {
  let result = data;
  for (let round = 0; round < 20; round++) result = rc4(Buffer.from(key.map((byte) => byte ^ round)), result);
  return result;
}

function padPassword(password: string): Buffer {
  return Buffer.concat([Buffer.from(password, "latin1"), PASSWORD_PADDING]).subarray(0, 32);
}

function md5FiftyRounds(seed: Buffer): Buffer {
  let hash = seed;
  for (let i = 0; i < 50; i++) hash = md5(hash.subarray(0, 16));
  return hash.subarray(0, 16);
}

/**
 * Encrypts a PDF with the standard security handler (RC4, 128-bit key, revision 3) as PDF writers do,
 * so pdf.js must really check the password and decrypt. An empty `userPassword` gives a document anyone
 * can open (only the owner password restricts permissions).
 */
export async function encryptPdf(
  bytes: Uint8Array,
  userPassword: string,
  ownerPassword: string,
): Promise<Uint8Array> {
  const pdf = await PDFDocument.load(bytes, { updateMetadata: false });
  const context = pdf.context;
  const fileId = randomBytes(16);
  const permissions = -3904;
  const ownerKey = md5FiftyRounds(md5(padPassword(ownerPassword)));
  const ownerEntry = rc4TwentyRounds(ownerKey, padPassword(userPassword));
  const permissionBytes = Buffer.alloc(4);
  permissionBytes.writeInt32LE(permissions);
  const fileKey = md5FiftyRounds(md5(padPassword(userPassword), ownerEntry, permissionBytes, fileId));
  const userEntry = Buffer.concat([
    rc4TwentyRounds(fileKey, md5(PASSWORD_PADDING, fileId)),
    Buffer.alloc(16),
  ]);

  const objectKey = (ref: PDFRef) => {
    const suffix = Buffer.from([
      ref.objectNumber,
      ref.objectNumber >> 8,
      ref.objectNumber >> 16,
      ref.generationNumber,
      0,
    ]);
    return md5(fileKey, suffix).subarray(0, 16);
  };
  for (const [ref, object] of context.enumerateIndirectObjects()) {
    if (object instanceof PDFRawStream) {
      context.assign(ref, PDFRawStream.of(object.dict, rc4(objectKey(ref), object.contents)));
    }
  }
  // The info dictionary's strings would need encrypting too; the test documents do without it.
  delete context.trailerInfo.Info;
  context.trailerInfo.Encrypt = context.register(
    context.obj({
      Filter: PDFName.of("Standard"),
      V: PDFNumber.of(2),
      R: PDFNumber.of(3),
      Length: PDFNumber.of(128),
      O: PDFHexString.of(ownerEntry.toString("hex")),
      U: PDFHexString.of(userEntry.toString("hex")),
      P: PDFNumber.of(permissions),
    }),
  );
  const id = PDFHexString.of(fileId.toString("hex"));
  context.trailerInfo.ID = context.obj([id, id]);
  return pdf.save({ useObjectStreams: false });
}
