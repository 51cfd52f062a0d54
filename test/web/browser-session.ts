import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { type RunningGateway, startGateway } from "../support/gateway-harness.ts";
import { launchChromium } from "./launch-chromium.ts";

/** Where screenshots and downloads go (git-ignored). */
export const ARTIFACTS = path.resolve(import.meta.dirname, "../../test-artifacts");

/**
 * A browser plus the gateways a test file started, recording every request the pages make and every
 * console error, so a test can assert the page talked to nothing but the gateway and the CSP blocked nothing.
 */
export interface BrowserSession {
  browser: Browser;
  requestedUrls: string[];
  consoleProblems: string[];
  /** A new page in `context` whose requests and console are recorded. */
  openPage(context: BrowserContext): Promise<Page>;
  /** Starts a gateway (silent logs) whose origin the pages may use. */
  startGateway(env: Record<string, string>): Promise<RunningGateway>;
  /** Requests to anything but the started gateways (object URLs of the user's own file are fine). */
  foreignRequests(): string[];
}

/** Launches chromium (failing loudly without it) and returns an empty session. */
export async function startBrowserSession(): Promise<BrowserSession> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await launchChromium();
  const requestedUrls: string[] = [];
  const consoleProblems: string[] = [];
  const gatewayOrigins = new Set<string>();
  return {
    browser,
    requestedUrls,
    consoleProblems,
    async openPage(context) {
      const page = await context.newPage();
      page.on("request", (request) => requestedUrls.push(request.url()));
      page.on("pageerror", (error) => consoleProblems.push(`page error: ${error.message}`));
      page.on("console", (message) => {
        // Chrome logs every 4xx fetch as "Failed to load resource"; the tests provoke 400 and 401 on purpose.
        if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
          consoleProblems.push(message.text());
        }
      });
      return page;
    },
    async startGateway(env) {
      const started = await startGateway({ LOG_LEVEL: "silent", ...env });
      gatewayOrigins.add(new URL(started.url).origin);
      return started;
    },
    foreignRequests() {
      return requestedUrls.filter(
        (url) => !url.startsWith("blob:") && !gatewayOrigins.has(new URL(url).origin),
      );
    },
  };
}

/** Picks `task` in the form, lets `fill` set its options, and starts the read. */
export async function runTask(
  page: Page,
  task: string,
  fill: (page: Page) => Promise<void> = async () => {},
) {
  await page.selectOption("#task-select", task);
  await fill(page);
  await page.click("#run-button");
}
