import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

import { CHROMIUM_PATH } from "../support/system-tools.ts";

/** Launches headless Debian chromium, or throws saying which package to install. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `${CHROMIUM_PATH} is missing: the web UI tests drive a real browser. Install it with ` +
        "`apt-get install -y chromium`.",
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
