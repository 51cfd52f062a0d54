const PLACEHOLDER = /\{\{\s*([a-z][a-z0-9_]*)\s*\}\}/g;

/** Names of the `{{variable}}` placeholders a prompt template uses. */
export function templateVariableNames(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1] ?? "");
}

/** Replaces each `{{name}}` with `values[name]`; a placeholder without a value is left as is. */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => values[name] ?? whole);
}

/**
 * A Python `repr()` of a list of strings without spaces, as the official field-extraction prompt writes it:
 * `['key1','key2']`. Quoting follows Python: single quotes unless the string holds `'` and no `"`.
 */
export function pythonListLiteral(items: readonly string[]): string {
  return `[${items.map(pythonStringLiteral).join(",")}]`;
}

function pythonStringLiteral(value: string): string {
  const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
  let out = quote;
  for (const char of value) {
    if (char === "\\" || char === quote) out += `\\${char}`;
    else if (char === "\n") out += "\\n";
    else if (char === "\r") out += "\\r";
    else if (char === "\t") out += "\\t";
    else out += char;
  }
  return out + quote;
}
