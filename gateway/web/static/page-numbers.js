/**
 * The page field of the form counts from 1, as people and the page headings do; `/v1/ocr`'s `pages` counts
 * from 0 (Mistral's convention). This converts "1,3-5" or "2-" into "0,2-4" or "1-".
 * @param {string} input what the user typed
 * @returns {string} the same selection, 0-based
 * @throws {Error} saying what is wrong, for anything but page numbers ≥ 1, ranges and open ranges
 */
export function toZeroBasedPages(input) {
  const parts = input
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
  return parts
    .map((part) => {
      const match = /^(\d+)\s*(?:(-)\s*(\d+)?)?$/.exec(part);
      const first = Number(match?.[1]);
      const last = match?.[3] != null ? Number(match[3]) : null;
      if (match == null || first < 1 || (last != null && last < first)) {
        throw new Error(
          `Pages: "${part}" is not a page number from 1, a range like 3-5, or an open range like 2-.`,
        );
      }
      if (match[2] == null) return String(first - 1);
      return `${first - 1}-${last != null ? last - 1 : ""}`;
    })
    .join(",");
}
