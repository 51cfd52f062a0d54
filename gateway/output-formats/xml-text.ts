// XML 1.0 allows tab, newline, carriage return and everything from space up, less the surrogates and U+FFFE/F.
function isXmlCharacter(character: string): boolean {
  const code = character.codePointAt(0) ?? 0;
  if (code < 0x20) return code === 0x09 || code === 0x0a || code === 0x0d;
  return !(code >= 0xd800 && code <= 0xdfff) && code !== 0xfffe && code !== 0xffff;
}

/** Escapes text for XML/XHTML content and double-quoted attributes; drops characters XML 1.0 forbids. */
export function escapeXml(text: string): string {
  return [...text]
    .filter(isXmlCharacter)
    .join("")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

/** A coordinate as the archive formats write it: whole pixels. */
export function px(value: number): number {
  return Math.max(0, Math.round(value));
}
