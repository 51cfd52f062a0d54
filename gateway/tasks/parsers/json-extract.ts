/**
 * The first balanced `open…close` span (e.g. `{…}`) in `text` at or after `from`, skipping brackets inside
 * JSON or Python string literals. Returns `undefined` if no span closes.
 */
export function findBalanced(
  text: string,
  open: "{" | "[",
  from = 0,
): { start: number; end: number } | undefined {
  const close = open === "{" ? "}" : "]";
  let start = text.indexOf(open, from);
  while (start !== -1) {
    const end = matchingClose(text, start, open, close);
    if (end !== -1) return { start, end: end + 1 };
    start = text.indexOf(open, start + 1);
  }
  return undefined;
}

function matchingClose(text: string, start: number, open: string, close: string): number {
  let depth = 0;
  let quote: string | undefined;
  for (let index = start; index < text.length; index++) {
    const char = text[index];
    if (quote != null) {
      if (char === "\\") index++;
      else if (char === quote) quote = undefined;
      continue;
    }
    if (char === '"' || char === "'") quote = char;
    else if (char === open) depth++;
    else if (char === close && --depth === 0) return index;
  }
  return -1;
}

/** The body of the first ``` fenced block (any info string), or `undefined`. */
export function firstFencedBlock(text: string): string | undefined {
  const match = /```[^\n`]*\n([\s\S]*?)\n?```/.exec(text);
  return match?.[1];
}

/**
 * Parses a Python literal of dicts/lists/strings/numbers (`{'a': 'b', 'c': None}`) by rewriting it to JSON.
 * Returns `undefined` when that does not give valid JSON.
 */
export function parsePythonLiteral(text: string): unknown {
  let out = "";
  for (let index = 0; index < text.length; index++) {
    const char = text[index] as string;
    if (char === "'" || char === '"') {
      let value = "";
      let cursor = index + 1;
      for (; cursor < text.length && text[cursor] !== char; cursor++) {
        const current = text[cursor] as string;
        if (current === "\\" && cursor + 1 < text.length) {
          const next = text[++cursor] as string;
          value += next === "n" ? "\n" : next === "t" ? "\t" : next;
        } else value += current;
      }
      if (cursor >= text.length) return undefined;
      out += JSON.stringify(value);
      index = cursor;
      continue;
    }
    const word = /^(True|False|None)\b/.exec(text.slice(index, index + 5));
    if (word != null && !/[A-Za-z0-9_]/.test(text[index - 1] ?? "")) {
      out += word[1] === "True" ? "true" : word[1] === "False" ? "false" : "null";
      index += (word[1] as string).length - 1;
      continue;
    }
    out += char;
  }
  try {
    return JSON.parse(out.replace(/,(\s*[}\]])/g, "$1"));
  } catch {
    return undefined;
  }
}
