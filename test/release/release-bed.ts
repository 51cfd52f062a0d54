import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { stringify as toYaml } from "yaml";
import { chatAnswerText } from "../../gateway/release/answer-text.ts";
import { receiptDataUrl } from "../support/fixtures.ts";
import type { RunningGateway } from "../support/gateway-harness.ts";
import { useUpstreamBed } from "../support/upstream-bed.ts";
import type { VllmEmulator } from "../support/vllm-emulator/index.ts";

export const STABLE_TEXT = "BOOK TA .K (TAMAN DAYA) SDN BHD TOTAL: 9.00 CASH 10.00";
export const CANDIDATE_TEXT = "BOOK TA .K (TAMAN DAYA) SDN BHD TOTAL: 9.80 CASH 10.00";
export const image = receiptDataUrl("000");

export interface VersionEntry {
  name: string;
  model: string;
  weight?: number;
  role?: "stable" | "candidate";
  shadow_percent?: number;
}

/**
 * For a test file: emulators and gateways closed after each test (`bed`), two emulators that answer
 * differently (the stable v1 and the candidate v2), and versions files written to a folder removed at the end.
 */
export function useReleaseBed() {
  const bed = useUpstreamBed();
  const dir = mkdtempSync(path.join(tmpdir(), "gray-release-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Two emulators that answer differently: the stable v1 and the candidate v2. */
  async function twoVersions() {
    const stable = await bed.emulator({ servedModelNames: ["hunyuan-v1"], recordLimit: 5_000 });
    const candidate = await bed.emulator({ servedModelNames: ["hunyuan-v2"], recordLimit: 5_000 });
    stable.setDefaultAnswer(() => ({ text: STABLE_TEXT }));
    candidate.setDefaultAnswer(() => ({ text: CANDIDATE_TEXT }));
    return { stable, candidate };
  }

  let files = 0;
  function writeRelease(
    stable: VllmEmulator,
    candidate: VllmEmulator,
    entries: [VersionEntry, VersionEntry],
    extra: Record<string, unknown> = {},
    file = path.join(dir, `upstreams-${++files}.yaml`),
  ): string {
    const [v1, v2] = entries;
    const versions = [
      { role: "stable", ...v1, replicas: [stable.url] },
      { role: "candidate", ...v2, replicas: [candidate.url] },
    ];
    writeFileSync(file, toYaml({ versions, ...extra }));
    return file;
  }

  return { bed, dir, twoVersions, writeRelease };
}

export function chat(
  gw: RunningGateway,
  key: string | undefined,
  init: { model?: string; headers?: Record<string, string>; stream?: boolean } = {},
) {
  return fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...init.headers,
    },
    body: JSON.stringify({
      model: init.model ?? "hunyuan-ocr",
      stream: init.stream ?? false,
      messages: [
        {
          role: "user",
          content: [
            { type: "image_url", image_url: { url: image } },
            { type: "text", text: "提取图中的文字。" },
          ],
        },
      ],
    }),
  });
}

/** The answer's text, whether it came as JSON or as an event stream. */
export async function answerOf(response: Response): Promise<string> {
  const streaming = response.headers.get("content-type")?.startsWith("text/event-stream") === true;
  return chatAnswerText(await response.text(), streaming).text;
}

export async function waitFor(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function listVersions(gw: RunningGateway, key?: string) {
  const response = await fetch(`${gw.url}/v1/models`, {
    headers: key ? { authorization: `Bearer ${key}` } : {},
  });
  return (
    (await response.json()) as { versions: Array<{ name: string; weight: number; rolled_back?: string }> }
  ).versions;
}
