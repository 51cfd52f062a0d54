/** Line endings to `\n`, trailing spaces per line kept, surrounding blank space trimmed. */
export function normaliseLineEndings(text: string): string {
  return text.replace(/\r\n?/g, "\n").trim();
}

/**
 * When the whole output is one ``` fenced block (e.g. ```html … ```), returns its body and info string
 * (`html`); otherwise the text unchanged with `language` undefined. An unclosed fence (truncated answer)
 * counts too.
 */
export function unwrapWholeFence(text: string): { text: string; language?: string } {
  const match = /^```[ \t]*([\w+-]*)[^\n]*\n([\s\S]*?)(?:\n?```)?$/.exec(text.trim());
  if (match == null) return { text };
  const body = match[2] ?? "";
  if (body.includes("```")) return { text };
  const language = (match[1] ?? "").toLowerCase();
  return language === "" ? { text: body.trim() } : { text: body.trim(), language };
}
