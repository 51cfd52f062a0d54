// vLLM builds some messages with Python's str()/repr() and json.dumps(); these reproduce that text.

/** Python's str() of a float: integers keep a ".0". */
export function pyFloat(value: number): string {
  if (Number.isInteger(value)) return `${value}.0`;
  if (value === Number.POSITIVE_INFINITY) return "inf";
  if (value === Number.NEGATIVE_INFINITY) return "-inf";
  return String(value);
}

/** Python's repr() of a str. */
export function pyStr(value: string): string {
  const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
  const escaped = value
    .replace(/\\/g, "\\\\")
    .replace(/\n/g, "\\n")
    .replace(/\r/g, "\\r")
    .replace(/\t/g, "\\t");
  return quote + (quote === "'" ? escaped.replace(/'/g, "\\'") : escaped) + quote;
}

/** Python's repr() of JSON-like data; arrays whose first item is the string "(tuple)" print as tuples. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return pyStr(value);
  if (Array.isArray(value)) {
    if (value[0] === "(tuple)") {
      const items = value.slice(1).map(pyRepr);
      return `(${items.join(", ")}${items.length === 1 ? "," : ""})`;
    }
    return `[${value.map(pyRepr).join(", ")}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).map(
    ([k, v]) => `${pyStr(k)}: ${pyRepr(v)}`,
  );
  return `{${entries.join(", ")}}`;
}

/** Python's json.dumps() with default arguments: ", " and ": " separators, non-ASCII escaped. */
export function pyJsonDumps(value: unknown): string {
  const compact = JSON.stringify(value);
  let out = "";
  let inString = false;
  for (let i = 0; i < compact.length; i++) {
    const ch = compact[i] as string;
    const code = ch.charCodeAt(0);
    if (inString) {
      if (ch === "\\") {
        out += ch + (compact[i + 1] ?? "");
        i++;
      } else {
        if (ch === '"') inString = false;
        out += code > 0x7e ? `\\u${code.toString(16).padStart(4, "0")}` : ch;
      }
    } else if (ch === '"') {
      inString = true;
      out += ch;
    } else if (ch === ",") {
      out += ", ";
    } else if (ch === ":") {
      out += ": ";
    } else {
      out += ch;
    }
  }
  return out;
}

/** Python's repr() of a bytes object: `b'...'` with printable ASCII kept and every other byte as `\xNN`. */
export function pyBytes(bytes: Uint8Array): string {
  let out = "b'";
  for (const byte of bytes) {
    if (byte === 0x5c) out += "\\\\";
    else if (byte === 0x27) out += "\\'";
    else if (byte === 0x0a) out += "\\n";
    else if (byte === 0x0d) out += "\\r";
    else if (byte === 0x09) out += "\\t";
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += `\\x${byte.toString(16).padStart(2, "0")}`;
  }
  return `${out}'`;
}
