import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { type PDFDocument, PDFHexString, PDFName, PDFString } from "pdf-lib";
import { escapeXml } from "./xml-text.ts";

export interface PdfMetadata {
  title: string;
  software: string;
  createdAt: Date;
  /** Declare PDF/A-2b conformance in the XMP (only where every page is the gateway's own making). */
  pdfa: boolean;
}

let srgbProfile: Promise<Buffer> | undefined;

function xmpPacket(meta: PdfMetadata): string {
  const date = meta.createdAt.toISOString().replace(/\.\d{3}Z$/, "Z");
  const pdfaid = meta.pdfa
    ? "      <pdfaid:part>2</pdfaid:part>\n      <pdfaid:conformance>B</pdfaid:conformance>\n"
    : "";
  return `<?xpacket begin="\u{feff}" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
  <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
    <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
${pdfaid}      <dc:format>application/pdf</dc:format>
      <dc:title><rdf:Alt><rdf:li xml:lang="x-default">${escapeXml(meta.title)}</rdf:li></rdf:Alt></dc:title>
      <xmp:CreateDate>${date}</xmp:CreateDate>
      <xmp:ModifyDate>${date}</xmp:ModifyDate>
      <xmp:MetadataDate>${date}</xmp:MetadataDate>
      <xmp:CreatorTool>${escapeXml(meta.software)}</xmp:CreatorTool>
      <pdf:Producer>${escapeXml(meta.software)}</pdf:Producer>
    </rdf:Description>
  </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`;
}

/**
 * What PDF/A-2b asks of the document beyond its pages: an Info dictionary and an XMP metadata stream that
 * agree, an sRGB output intent for the device colours of the page images, and a file identifier.
 */
export async function writeArchivalMetadata(document: PDFDocument, meta: PdfMetadata): Promise<void> {
  const createdAt = new Date(Math.floor(meta.createdAt.getTime() / 1000) * 1000);
  document.setTitle(meta.title);
  document.setProducer(meta.software);
  document.setCreator(meta.software);
  document.setCreationDate(createdAt);
  document.setModificationDate(createdAt);

  const { context, catalog } = document;
  const xmp = context.stream(Buffer.from(xmpPacket({ ...meta, createdAt }), "utf8"), {
    Type: "Metadata",
    Subtype: "XML",
  });
  catalog.set(PDFName.of("Metadata"), context.register(xmp));

  srgbProfile ??= readFile(new URL("./assets/sRGB.icc", import.meta.url));
  const profile = context.flateStream(await srgbProfile, { N: 3 });
  const intent = context.obj({
    Type: "OutputIntent",
    S: "GTS_PDFA1",
    OutputConditionIdentifier: PDFString.of("sRGB IEC61966-2.1"),
    Info: PDFString.of("sRGB IEC61966-2.1"),
    DestOutputProfile: context.register(profile),
  });
  catalog.set(PDFName.of("OutputIntents"), context.obj([context.register(intent)]));

  const id = PDFHexString.of(randomBytes(16).toString("hex"));
  context.trailerInfo.ID = context.obj([id, id]);
}
