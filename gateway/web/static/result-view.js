import { drawBoxes, isLowConfidence, LOW_CONFIDENCE, pagePlaceholder, percentOf } from "./box-overlay.js";
import { renderMarkdown } from "./markdown.js";

/**
 * @typedef {import("./box-overlay.js").PageBox} PageBox
 * @typedef {{ text: string, confidence: number }} TextLine
 * @typedef {{ index: number, markdown: string, text: string, boxes?: PageBox[], text_lines?: TextLine[],
 *   confidence?: number, dimensions: import("./box-overlay.js").PageDimensions, finish_reason: string,
 *   warnings: string[], retried?: boolean, error?: { code: string, message: string } }} PageResult
 * @typedef {{ body: HTMLElement, meta: HTMLElement, article: HTMLElement, extras: HTMLElement,
 *   streamed: string, renderQueued: boolean }} PageView
 */

/**
 * @param {string} tag
 * @param {string} [className]
 * @param {string} [text]
 */
function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

/**
 * Marks an element whose text was read with low confidence (class `low-confidence`, the value in its title).
 * @param {HTMLElement} node
 * @param {number | undefined} confidence
 */
function markConfidence(node, confidence) {
  if (!isLowConfidence(confidence)) return;
  node.classList.add("low-confidence");
  node.title = `Low confidence: ${percentOf(confidence ?? 0)}`;
}

/** @param {PageBox[]} boxes */
function boxTable(boxes) {
  const details = element("details", "box-list");
  details.append(element("summary", undefined, `${boxes.length} text boxes (pixels of the original page)`));
  const table = element("table");
  const head = element("tr");
  for (const title of ["Text", "x1", "y1", "x2", "y2", "Confidence"]) {
    const cell = element("th", undefined, title);
    cell.setAttribute("scope", "col");
    head.append(cell);
  }
  table.append(head);
  for (const { text, box, confidence } of boxes) {
    const row = element("tr");
    markConfidence(row, confidence);
    const values = [text, box.x1, box.y1, box.x2, box.y2, confidence != null ? confidence.toFixed(2) : "–"];
    row.append(...values.map((value) => element("td", undefined, String(value))));
    table.append(row);
  }
  details.append(table);
  return details;
}

/**
 * How a task's text is shown: `rendered` (Markdown with tables and formulas, for tasks whose output is
 * Markdown) or `plain` (the text as read, once). Decided by the task's parser as `/v1/tasks` reports it.
 * @param {string | undefined} parser
 * @returns {"rendered" | "plain"}
 */
export function textKindOf(parser) {
  return parser != null && ["document", "table", "formula", "chart"].includes(parser) ? "rendered" : "plain";
}

/**
 * A page's plain text as one line per spotted box, each linked to its box on the page.
 * @param {HTMLElement} target
 * @param {PageBox[]} boxes
 * @param {number} index
 */
function linkedLines(target, boxes, index) {
  target.replaceChildren(
    ...boxes.flatMap(({ text, confidence }, number) => {
      const line = element("span", "line", text);
      line.dataset.link = `${index}:${number}`;
      markConfidence(line, confidence);
      return number < boxes.length - 1 ? [line, "\n"] : [line];
    }),
  );
}

/**
 * A page's plain text with each line the backend scored in its own span, low-confidence lines marked. Lines
 * are matched in order (a scored line is the trimmed text of a line of `text`).
 * @param {HTMLElement} target
 * @param {string} text
 * @param {TextLine[]} scored
 */
function scoredLines(target, text, scored) {
  let next = 0;
  const lines = text.split("\n");
  target.replaceChildren(
    ...lines.flatMap((line, number) => {
      const score = scored[next];
      /** @type {(Node | string)[]} */
      const nodes = [line];
      if (score != null && line.trim() === score.text) {
        next += 1;
        const span = element("span", "line", line);
        markConfidence(span, score.confidence);
        nodes[0] = span;
      }
      if (number < lines.length - 1) nodes.push("\n");
      return nodes;
    }),
  );
}

/**
 * The lines a page was read with low confidence, as a list (the rendered Markdown cannot mark its source lines).
 * @param {TextLine[]} lines
 */
function lowConfidenceList(lines) {
  const low = lines.filter((line) => isLowConfidence(line.confidence));
  if (low.length === 0) return null;
  const details = /** @type {HTMLDetailsElement} */ (element("details", "low-confidence-list"));
  details.open = true;
  details.append(
    element(
      "summary",
      undefined,
      `${low.length} line${low.length === 1 ? "" : "s"} read with low confidence (below ${percentOf(LOW_CONFIDENCE)})`,
    ),
  );
  const list = element("ul");
  for (const line of low) {
    const item = element("li", undefined, `${line.text} `);
    item.append(element("span", "confidence-value", `(${percentOf(line.confidence)})`));
    markConfidence(item, line.confidence);
    list.append(item);
  }
  details.append(list);
  return details;
}

/**
 * The result area: the document preview with its box layer, one article per page with one text view (plain
 * or rendered, see `textKindOf`), filled live while streaming, and the fields table.
 * @param {{ preview: HTMLElement, pagesView: HTMLElement, fieldsView: HTMLElement }} parts
 */
export function createResultView({ preview, pagesView, fieldsView }) {
  /** @type {Map<number, PageView>} */
  const pages = new Map();
  /** @type {HTMLElement | null} */
  let imageLayer = null;
  let previewUrl = "";
  /** @type {"rendered" | "plain"} */
  let kind = "plain";

  /** @param {number} index */
  function page(index) {
    const existing = pages.get(index);
    if (existing) return existing;
    const article = element("article", "page");
    article.dataset.page = String(index);
    article.append(element("h3", undefined, `Page ${index + 1}`));
    const body = kind === "rendered" ? element("div", "markdown") : element("pre", "plain-text");
    body.tabIndex = 0;
    body.setAttribute("aria-label", `Text of page ${index + 1}`);
    const meta = element("p", "page-meta");
    const extras = element("div", "page-extras");
    article.append(body, meta, extras);
    const following = [...pages.keys()].filter((other) => other > index).sort((a, b) => a - b)[0];
    pagesView.insertBefore(article, following != null ? (pages.get(following)?.article ?? null) : null);
    /** @type {PageView} */
    const view = { article, body, meta, extras, streamed: "", renderQueued: false };
    pages.set(index, view);
    return view;
  }

  /** @param {PageView} view */
  function showText(view) {
    if (kind === "rendered") view.body.innerHTML = renderMarkdown(view.streamed);
    else view.body.textContent = view.streamed;
  }

  return {
    /** Clears the last result; the next one is shown as `next` text. @param {"rendered" | "plain"} [next] */
    reset(next = kind) {
      kind = next;
      pages.clear();
      pagesView.replaceChildren();
      fieldsView.replaceChildren();
      imageLayer?.replaceChildren();
    },

    /**
     * Shows the chosen file: the image itself with a box layer, or a note for a PDF. Returns whether an image
     * is shown (and so can be zoomed).
     * @param {File} file
     */
    showPreview(file) {
      if (previewUrl) URL.revokeObjectURL(previewUrl);
      previewUrl = "";
      imageLayer = null;
      if (file.type.startsWith("image/")) {
        previewUrl = URL.createObjectURL(file);
        const frame = element("div", "page-frame");
        const image = /** @type {HTMLImageElement} */ (element("img"));
        image.src = previewUrl;
        image.alt = `Preview of ${file.name}`;
        imageLayer = element("div", "box-layer");
        frame.append(image, imageLayer);
        preview.replaceChildren(frame);
        return true;
      }
      const kindName = file.type === "application/pdf" ? "PDF" : file.type || "file";
      preview.replaceChildren(
        element(
          "p",
          "hint",
          `${kindName}: ${file.name} (${Math.ceil(file.size / 1024)} KiB). Pages appear with the text.`,
        ),
      );
      return false;
    },

    /** @param {number} index */
    startPage(index) {
      page(index).meta.textContent = "Reading…";
    },

    /** @param {number} index @param {string} text */
    appendDelta(index, text) {
      const view = page(index);
      view.streamed += text;
      if (kind === "plain") {
        view.body.append(text);
        return;
      }
      if (view.renderQueued) return;
      view.renderQueued = true;
      requestAnimationFrame(() => {
        view.renderQueued = false;
        showText(view);
      });
    },

    /** The deltas so far are discarded: the page is read again. @param {number} index @param {string} reason */
    retryPage(index, reason) {
      const view = page(index);
      view.streamed = "";
      view.body.replaceChildren();
      view.meta.textContent = `Reading again (${reason})…`;
    },

    /** Shows a finished page (again: the stream's `page.done` and the final result carry the same page). @param {PageResult} result */
    finishPage(result) {
      const view = page(result.index);
      view.streamed = kind === "rendered" ? result.markdown : result.text;
      if (kind === "plain" && result.boxes != null && result.boxes.length > 0) {
        linkedLines(view.body, result.boxes, result.index);
      } else if (kind === "plain" && result.text_lines != null) {
        scoredLines(view.body, result.text, result.text_lines);
      } else showText(view);
      const { width, height, dpi } = result.dimensions;
      const notes = [`${width} × ${height} px`, `finish: ${result.finish_reason}`];
      if (result.confidence != null) notes.push(`confidence ${percentOf(result.confidence)}`);
      if (result.retried) notes.push("retried");
      if (result.error) notes.push(`error ${result.error.code}: ${result.error.message}`);
      notes.push(...result.warnings.map((warning) => `warning: ${warning}`));
      view.meta.textContent = notes.join(" · ");
      view.article.dataset.dpi = String(dpi);
      view.extras.replaceChildren();
      const low =
        kind === "rendered" && result.text_lines != null ? lowConfidenceList(result.text_lines) : null;
      if (low != null) view.extras.append(low);
      if (result.boxes == null) return;
      if (imageLayer != null && result.index === 0) {
        drawBoxes(imageLayer, result.boxes, result.dimensions, result.index);
      } else {
        const { figure, layer } = pagePlaceholder(result.dimensions, result.index);
        drawBoxes(layer, result.boxes, result.dimensions, result.index);
        view.extras.append(figure);
      }
      view.extras.append(boxTable(result.boxes));
    },
    /** @param {Record<string, unknown> | null | undefined} fields */
    showFields(fields) {
      fieldsView.replaceChildren();
      if (fields == null) return;
      const table = element("table", "fields-table");
      table.append(element("caption", undefined, "Fields"));
      for (const [key, value] of Object.entries(fields)) {
        const row = element("tr");
        const name = element("th", undefined, key);
        name.setAttribute("scope", "row");
        const shown = typeof value === "string" ? value : JSON.stringify(value);
        row.append(name, element("td", undefined, shown ?? ""));
        table.append(row);
      }
      fieldsView.append(table);
    },
  };
}
