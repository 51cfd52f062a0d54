import { once } from "node:events";
import { createDeflate, deflateSync } from "node:zlib";
import { PDFDocument, PDFName, PDFNumber, PDFRawStream } from "pdf-lib";

// PDFs that are small on the wire and expensive to draw, generated for tests and the bench.

async function pdfWithContent(content: Uint8Array, filtered: boolean): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const page = pdf.addPage([612, 792]);
  const dict = pdf.context.obj(
    filtered ? { Filter: "FlateDecode", Length: content.length } : { Length: content.length },
  );
  page.node.set(PDFName.of("Contents"), pdf.context.register(PDFRawStream.of(dict, content)));
  return pdf.save();
}

/**
 * One page of `paths` stroked paths, each of `segments` random line segments with a 0.3 pt dash: each stroke
 * is one native Skia call that takes seconds (1 path × 900 segments ≈ 12 s on one core), so a worker thread
 * cannot be interrupted while it draws. About 5 KB per path.
 */
export function strokeHeavyPdf(paths = 4, segments = 900): Promise<Uint8Array> {
  let seed = 7;
  const next = () => {
    seed = (seed * 16807) % 2147483647;
    return (seed % 6000) / 10;
  };
  const lines = ["[0.3 0.3] 0 d 1 w"];
  for (let path = 0; path < paths; path++) {
    lines.push(`${next()} ${next()} m`);
    for (let segment = 0; segment < segments; segment++) lines.push(`${next()} ${next()} l`);
    lines.push("S");
  }
  return pdfWithContent(deflateSync(lines.join("\n")), true);
}

/** One page whose content stream is `inflatedMb` MB of spaces, deflated to ~1/1000 of that. */
export async function deflateBombPdf(inflatedMb = 400): Promise<Uint8Array> {
  const deflate = createDeflate({ level: 9 });
  const chunks: Buffer[] = [];
  deflate.on("data", (chunk: Buffer) => chunks.push(chunk));
  const spaces = Buffer.alloc(1024 * 1024, 0x20);
  for (let mb = 0; mb < inflatedMb; mb++) if (!deflate.write(spaces)) await once(deflate, "drain");
  deflate.end();
  await once(deflate, "end");
  return pdfWithContent(Buffer.concat(chunks), true);
}

/** One page drawing a `side` × `side` 1-bit image XObject (20000² = 400 MP compresses to ~50 KB). */
export async function hugeImagePdf(side = 20_000): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const page = pdf.addPage([612, 792]);
  const pixels = deflateSync(Buffer.alloc(Math.ceil(side / 8) * side), { level: 9 });
  const image = pdf.context.register(
    PDFRawStream.of(
      pdf.context.obj({
        Type: "XObject",
        Subtype: "Image",
        Width: PDFNumber.of(side),
        Height: PDFNumber.of(side),
        ColorSpace: "DeviceGray",
        BitsPerComponent: 1,
        Filter: "FlateDecode",
        Length: pixels.length,
      }),
      pixels,
    ),
  );
  page.node.setXObject(PDFName.of("Im0"), image);
  const content = Buffer.from("BT /F1 1 Tf ET q 500 0 0 700 50 50 cm /Im0 Do Q");
  page.node.set(
    PDFName.of("Contents"),
    pdf.context.register(PDFRawStream.of(pdf.context.obj({ Length: content.length }), content)),
  );
  return pdf.save();
}
