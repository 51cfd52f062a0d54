import { BadRequestError, PayloadTooLargeError } from "../errors.ts";

export interface PageSelectionOptions {
  /** Refuse selections of more pages than this (413 `too_many_pages`). */
  maxPages?: number;
}

const RANGE = /^(\d+)\s*-\s*(\d*)$/;
const SINGLE = /^\d+$/;

/**
 * Turns a page selection into sorted, de-duplicated 0-based page indexes.
 * - `undefined`: every page.
 * - an array of 0-based indexes (Mistral's `pages`), e.g. `[0, 2, 3]`.
 * - a string of 0-based indexes and inclusive ranges, e.g. `"0,2-4"`; `"3-"` runs to the last page.
 *
 * Throws 400 `invalid_page_selection` for malformed input, 400 `page_out_of_range` naming the valid range,
 * 413 `too_many_pages` when more than `options.maxPages` pages are selected.
 */
export function parsePageSelection(
  spec: string | readonly number[] | undefined,
  pageCount: number,
  options: PageSelectionOptions = {},
): number[] {
  const pages =
    spec === undefined
      ? Array.from({ length: pageCount }, (_, index) => index)
      : typeof spec === "string"
        ? parseRangeList(spec, pageCount)
        : checkIndexList(spec, pageCount);
  const selected = [...new Set(pages)].sort((a, b) => a - b);
  if (options.maxPages != null && selected.length > options.maxPages) {
    throw new PayloadTooLargeError(
      "too_many_pages",
      `${selected.length} pages are selected; at most ${options.maxPages} can be processed in one request. ` +
        "Select fewer pages with `pages`.",
      { param: "pages" },
    );
  }
  return selected;
}

function checkIndexList(indexes: readonly number[], pageCount: number): number[] {
  if (indexes.length === 0)
    throw invalidSelection("`pages` is an empty list; omit it to process every page.");
  for (const index of indexes) {
    if (!Number.isInteger(index) || index < 0) {
      throw invalidSelection(
        `\`pages\` must contain 0-based page indexes (whole numbers from 0); got ${index}.`,
      );
    }
    assertInRange(index, pageCount);
  }
  return [...indexes];
}

function parseRangeList(spec: string, pageCount: number): number[] {
  const parts = spec.split(",").map((part) => part.trim());
  if (parts.some((part) => part === "")) {
    throw invalidSelection(`\`pages\` "${truncate(spec)}" has an empty item; use e.g. "0,2-4" (0-based).`);
  }
  const pages: number[] = [];
  for (const part of parts) {
    if (SINGLE.test(part)) {
      const index = Number(part);
      assertInRange(index, pageCount);
      pages.push(index);
      continue;
    }
    const range = RANGE.exec(part);
    if (!range) {
      throw invalidSelection(
        `\`pages\` item "${truncate(part)}" is not a page or range; use e.g. "0,2-4" (0-based).`,
      );
    }
    const first = Number(range[1]);
    const last = range[2] === "" ? pageCount - 1 : Number(range[2]);
    if (first > last) throw invalidSelection(`\`pages\` range "${part}" ends before it starts.`);
    assertInRange(first, pageCount);
    assertInRange(last, pageCount);
    for (let index = first; index <= last; index++) pages.push(index);
  }
  return pages;
}

function assertInRange(index: number, pageCount: number): void {
  if (index >= pageCount) {
    throw new BadRequestError(
      "page_out_of_range",
      `Page ${index} does not exist: the document has ${pageCount} page${pageCount === 1 ? "" : "s"} ` +
        `(valid indexes 0–${pageCount - 1}, 0-based).`,
      { param: "pages" },
    );
  }
}

function invalidSelection(message: string): InstanceType<typeof BadRequestError> {
  return new BadRequestError("invalid_page_selection", message, { param: "pages" });
}

/** Page selections are short; a huge one is echoed only in part. */
function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
