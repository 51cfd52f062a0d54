import { readFileSync } from "node:fs";

let cached: string | undefined;

/** The gateway as it names itself in the files it writes (PDF producer, ALTO and hOCR software). */
export function gatewaySoftware(): { name: string; version: string } {
  return { name: "ocr-gateway", version: gatewayVersion() };
}

/** The gateway's version, from its package.json (read once, on first use). */
export function gatewayVersion(): string {
  cached ??= (
    JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
  ).version;
  return cached;
}
