import type { ArchiveDocument } from "./archive-document.ts";
import { type LayoutBox, pageLayout } from "./page-layout.ts";
import { escapeXml, px } from "./xml-text.ts";

const ALTO_NAMESPACE = "http://www.loc.gov/standards/alto/ns-v4#";
const ALTO_SCHEMA = "http://www.loc.gov/standards/alto/v4/alto-4-4.xsd";

function position(box: LayoutBox): string {
  return `HPOS="${px(box.x1)}" VPOS="${px(box.y1)}" WIDTH="${px(box.x2 - box.x1)}" HEIGHT="${px(box.y2 - box.y1)}"`;
}

function wordConfidence(confidence: number | undefined): string {
  return confidence == null ? "" : ` WC="${Math.min(1, Math.max(0, confidence)).toFixed(3)}"`;
}

/**
 * ALTO 4.4 XML for the whole document: one `Page` per page read, with its size in pixels, `TextBlock`s,
 * `TextLine`s and `String`s (words, with `SP` between them) positioned in the page's pixels
 * (`MeasurementUnit` pixel), and `WC` word confidence where the backend reports it.
 */
export function renderAltoXml(document: ArchiveDocument): string {
  const { response, software } = document;
  const created = (document.createdAt ?? new Date()).toISOString();
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<alto xmlns="${ALTO_NAMESPACE}" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="${ALTO_NAMESPACE} ${ALTO_SCHEMA}">`,
    "  <Description>",
    "    <MeasurementUnit>pixel</MeasurementUnit>",
  ];
  if (document.name) {
    out.push(
      `    <sourceImageInformation><fileName>${escapeXml(document.name)}</fileName></sourceImageInformation>`,
    );
  }
  out.push(
    '    <Processing ID="OCR_0">',
    "      <processingCategory>contentGeneration</processingCategory>",
    `      <processingDateTime>${created}</processingDateTime>`,
    `      <processingStepSettings>model: ${escapeXml(response.model)}; backend: ${escapeXml(response.backend)}; task: ${escapeXml(response.task)}</processingStepSettings>`,
    "      <processingSoftware>",
    `        <softwareName>${escapeXml(software.name)}</softwareName>`,
    `        <softwareVersion>${escapeXml(software.version)}</softwareVersion>`,
    "      </processingSoftware>",
    "    </Processing>",
    "  </Description>",
    "  <Layout>",
  );
  for (const page of response.pages) {
    const layout = pageLayout(page);
    const pageId = `P${layout.index + 1}`;
    out.push(
      `    <Page ID="${pageId}" PHYSICAL_IMG_NR="${layout.index + 1}" WIDTH="${px(layout.width)}" HEIGHT="${px(layout.height)}" PROCESSINGREFS="OCR_0">`,
      `      <PrintSpace HPOS="0" VPOS="0" WIDTH="${px(layout.width)}" HEIGHT="${px(layout.height)}">`,
    );
    layout.blocks.forEach((block, blockIndex) => {
      const blockId = `${pageId}_B${blockIndex + 1}`;
      // ROTATION: degrees counter-clockwise the block's text runs at (ALTO's BlockType attribute).
      const rotation = layout.textAngle === 0 ? "" : ` ROTATION="${layout.textAngle}"`;
      out.push(`        <TextBlock ID="${blockId}" ${position(block.box)}${rotation}>`);
      block.lines.forEach((line, lineIndex) => {
        const lineId = `${blockId}_L${lineIndex + 1}`;
        out.push(`          <TextLine ID="${lineId}" ${position(line.box)}>`);
        line.words.forEach((word, wordIndex) => {
          const previous = line.words[wordIndex - 1];
          if (previous) {
            out.push(
              `            <SP WIDTH="${px(word.box.x1 - previous.box.x2)}" HPOS="${px(previous.box.x2)}" VPOS="${px(word.box.y1)}"/>`,
            );
          }
          out.push(
            `            <String ID="${lineId}_W${wordIndex + 1}" ${position(word.box)} CONTENT="${escapeXml(word.text)}"${wordConfidence(word.confidence)}/>`,
          );
        });
        out.push("          </TextLine>");
      });
      out.push("        </TextBlock>");
    });
    out.push("      </PrintSpace>", "    </Page>");
  }
  out.push("  </Layout>", "</alto>", "");
  return out.join("\n");
}
