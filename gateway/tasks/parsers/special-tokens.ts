// HunyuanOCR's layout tags are special tokens; with `skip_special_tokens: false` vLLM renders them as
// placeholders such as `<｜hy_place▁holder▁no▁112｜>`. ASCII `|`/`_` spellings are accepted too.
const PLACEHOLDER = /<[｜|]hy_place[▁_]holder[▁_]no[▁_](\d+)[｜|]>/g;

const TAG_BY_PLACEHOLDER: Readonly<Record<string, string>> = {
  "110": "<quad>",
  "111": "</quad>",
  "112": "<ref>",
  "113": "</ref>",
  "114": "<pFig>",
  "115": "</pFig>",
};

/** Replaces placeholder tokens 110–115 by their tags (`<quad>`, `<ref>`, `<pFig>`…) and drops the others. */
export function mapSpecialTokens(text: string): string {
  return text.replace(PLACEHOLDER, (_whole, number: string) => TAG_BY_PLACEHOLDER[number] ?? "");
}

/** Removes the spotting/figure tags, leaving the bare form vLLM sends when it skips special tokens. */
export function stripLayoutTags(text: string): string {
  return text.replace(/<\/?(?:ref|quad|pFig)>/g, "");
}
