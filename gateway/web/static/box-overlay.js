/**
 * @typedef {{ text: string, box: { x1: number, y1: number, x2: number, y2: number }, confidence?: number }} PageBox
 * @typedef {{ width: number, height: number, dpi: number }} PageDimensions
 */

/** Lines and boxes read with a confidence below this are marked low. */
export const LOW_CONFIDENCE = 0.6;

/** @param {number | undefined} confidence */
export function isLowConfidence(confidence) {
  return confidence != null && confidence < LOW_CONFIDENCE;
}

/** A 0–1 confidence as a whole percentage. @param {number} confidence */
export function percentOf(confidence) {
  return `${Math.round(confidence * 100)}%`;
}

/** @param {number} value @param {number} total */
function percent(value, total) {
  return `${Math.min(100, Math.max(0, (value / total) * 100)).toFixed(3)}%`;
}

/**
 * Draws spotting boxes over a page. Boxes are in pixels of the original page; they are placed in percent of
 * `dimensions`, so they follow the displayed image at any size (phone, zoom, resize) without recomputing.
 * The layer is hidden from assistive technology: the same text is in the page's text and box list. Each box
 * carries `data-link` "<page>:<n>", as its line in the text view does (see box-linking.js).
 * @param {HTMLElement} layer an element covering the displayed page exactly
 * @param {PageBox[]} boxes
 * @param {PageDimensions} dimensions
 * @param {number} pageIndex 0-based, as the API counts
 */
export function drawBoxes(layer, boxes, dimensions, pageIndex) {
  layer.replaceChildren();
  layer.setAttribute("aria-hidden", "true");
  if (!(dimensions.width > 0 && dimensions.height > 0)) return;
  for (const [number, { text, box, confidence }] of boxes.entries()) {
    const element = document.createElement("div");
    element.className = isLowConfidence(confidence) ? "box low-confidence" : "box";
    element.style.left = percent(box.x1, dimensions.width);
    element.style.top = percent(box.y1, dimensions.height);
    element.style.width = percent(Math.max(0, box.x2 - box.x1), dimensions.width);
    element.style.height = percent(Math.max(0, box.y2 - box.y1), dimensions.height);
    element.title = confidence != null ? `${text} (${percentOf(confidence)})` : text;
    element.dataset.text = text;
    element.dataset.link = `${pageIndex}:${number}`;
    layer.append(element);
  }
}

/**
 * A figure for a page the browser does not render (a PDF page): an outline with the page's aspect ratio and
 * a caption giving its size, with a box layer on top.
 * @param {PageDimensions} dimensions
 * @param {number} index 0-based page index
 * @returns {{ figure: HTMLElement, layer: HTMLElement }}
 */
export function pagePlaceholder(dimensions, index) {
  const figure = document.createElement("figure");
  figure.className = "page-figure";
  const frame = document.createElement("div");
  frame.className = "page-frame placeholder";
  frame.style.aspectRatio = `${dimensions.width} / ${dimensions.height}`;
  const layer = document.createElement("div");
  layer.className = "box-layer";
  frame.append(layer);
  const caption = document.createElement("figcaption");
  caption.textContent =
    `PDF page ${index + 1}: ${dimensions.width} × ${dimensions.height} px at ${dimensions.dpi} dpi. ` +
    "PDF pages are not drawn in the browser; boxes are shown on the page outline.";
  figure.append(frame, caption);
  return { figure, layer };
}
