import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/**
 * The programs some tests drive for real (browser, proxy, monitoring, video, the seed's Python client). On a
 * machine with only Node their tests are skipped and named in one line at the end of the run
 * (`system-tools-setup.ts`); under CI (`CI=true`, as `.ci/run` sets) a missing one fails the run instead.
 */
export const SYSTEM_TOOLS = {
  chromium: { debianPackage: "chromium", isInstalled: () => existsSync(CHROMIUM_PATH) },
  nginx: { debianPackage: "nginx", isInstalled: () => onPath("nginx") },
  openssl: { debianPackage: "openssl", isInstalled: () => onPath("openssl") },
  promtool: { debianPackage: "prometheus", isInstalled: () => onPath("promtool") },
  prometheus: { debianPackage: "prometheus", isInstalled: () => onPath("prometheus") },
  ffmpeg: { debianPackage: "ffmpeg", isInstalled: () => onPath("ffmpeg") },
  curl: { debianPackage: "curl", isInstalled: () => onPath("curl") },
  jq: { debianPackage: "jq", isInstalled: () => onPath("jq") },
  poppler: { debianPackage: "poppler-utils", isInstalled: () => onPath("pdftotext") && onPath("pdftocairo") },
  qpdf: { debianPackage: "qpdf", isInstalled: () => onPath("qpdf") },
  xmllint: { debianPackage: "libxml2-utils", isInstalled: () => onPath("xmllint") },
  "python3-requests": {
    debianPackage: "python3-requests",
    isInstalled: () => spawnSync("python3", ["-c", "import requests"], { stdio: "ignore" }).status === 0,
  },
} satisfies Record<string, { debianPackage: string; isInstalled: () => boolean }>;

export type SystemTool = keyof typeof SYSTEM_TOOLS;

/** Debian's chromium, which playwright-core launches (no downloaded browser). */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** True under CI, where every tool must be installed and nothing may be skipped. */
export const IN_CI = process.env.CI != null && !["", "0", "false"].includes(process.env.CI.toLowerCase());

function onPath(command: string): boolean {
  return spawnSync("sh", ["-c", 'command -v "$0"', command], { stdio: "ignore" }).status === 0;
}

const known = new Map<SystemTool, boolean>();

export function isInstalled(tool: SystemTool): boolean {
  let installed = known.get(tool);
  if (installed === undefined) {
    installed = SYSTEM_TOOLS[tool].isInstalled();
    known.set(tool, installed);
  }
  return installed;
}

/** The tools of the list that are not installed, in the list's order. */
export function missingTools(
  tools: readonly SystemTool[] = Object.keys(SYSTEM_TOOLS) as SystemTool[],
): SystemTool[] {
  return tools.filter((tool) => !isInstalled(tool));
}

/**
 * For `describe.skipIf(lacks("nginx", "openssl"))`: true when one of the tools is missing, so the suite is
 * skipped. Never true under CI: there the suite runs and fails loudly on the missing tool.
 */
export function lacks(...tools: SystemTool[]): boolean {
  return !IN_CI && missingTools(tools).length > 0;
}

/** `apt-get install …` for the given tools (each Debian package once). */
export function installCommand(tools: readonly SystemTool[]): string {
  const packages = [...new Set(tools.map((tool) => SYSTEM_TOOLS[tool].debianPackage))];
  return `apt-get install -y ${packages.join(" ")}`;
}

/** The absolute path of a command the test needs, or an error saying which package to install. */
export function requireCommand(command: string, tool: SystemTool): string {
  const found = spawnSync("sh", ["-c", 'command -v "$0"', command], { encoding: "utf8" });
  const location = found.stdout.trim();
  if (found.status !== 0 || location === "") {
    throw new Error(`${command} is not installed: ${installCommand([tool])} (.ci/run installs it)`);
  }
  return location;
}
