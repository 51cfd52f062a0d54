import { readFileSync } from "node:fs";

let cached: string | undefined;

/** The gateway's version, from its package.json (read once, on first use). */
export function gatewayVersion(): string {
  cached ??= (
    JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
  ).version;
  return cached;
}
