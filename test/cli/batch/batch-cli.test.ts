import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  answerWithPageIds,
  batchEnv,
  listFiles,
  pageCalls,
  readOutput,
  readState,
  runBatch,
  spawnBatch,
  useArchiveFixture,
  waitUntil,
} from "./batch-harness.ts";

const FORMATS = ["md", "json", "txt"];

const fx = useArchiveFixture("batch-cli-", { images: 176, pdfs: 30, maxPdfPages: 3, duplicates: 6 });

/** The files a finished run must have left in `out`: three outputs per document, the state and the report. */
function expectedFiles(): string[] {
  const outputs = [...fx.archive.documents.keys()].flatMap((key) =>
    FORMATS.map((format) => `${key}.${format}`),
  );
  return [...outputs, ".ocr-batch-state.jsonl", "report.json"].sort();
}

/** Every document's outputs are whole and agree with each other; returns each document's page identities. */
async function checkOutputs(out: string): Promise<Map<string, string[]>> {
  const pagesByKey = new Map<string, string[]>();
  for (const [key, pages] of fx.archive.documents) {
    const response = await readOutput(out, key);
    expect(response.object, key).toBe("ocr");
    expect(response.pages.length, key).toBe(pages);
    const ids = response.pages.map((page) => page.text);
    for (const id of ids) expect(id, key).toMatch(/^page:[0-9a-f]{16}$/);
    pagesByKey.set(key, ids);
  }
  for (const [copy, original] of fx.archive.duplicates) {
    expect(pagesByKey.get(copy)).toEqual(pagesByKey.get(original));
  }
  return pagesByKey;
}

describe("ocr-gateway batch on a generated archive", () => {
  it("reads every document once, reports the corrupt ones, and a second run reads nothing", async () => {
    const out = path.join(fx.work, "out-full");
    fx.emulator.reset();
    answerWithPageIds(fx.emulator, 0);
    const first = await runBatch(
      [fx.archive.root, "--out", out, "--format", FORMATS.join(",")],
      batchEnv(fx.emulator),
    );
    expect(first.stderr).not.toContain("Error:");
    expect(first.code).toBe(1);

    expect(await listFiles(out)).toEqual(expectedFiles());
    const pagesByKey = await checkOutputs(out);
    const report = JSON.parse(await readFile(path.join(out, "report.json"), "utf8"));
    const documents = fx.archive.documents.size + fx.archive.corrupt.size;
    expect(documents).toBeGreaterThanOrEqual(200);
    expect(report.documents).toMatchObject({
      total: documents,
      done: fx.archive.documents.size,
      duplicates: fx.archive.duplicates.size,
      failed: fx.archive.corrupt.size,
      pending: 0,
      ignored: fx.archive.ignored.length,
    });
    expect(
      report.failures.documents
        .map((failure: { key: string; code: string }) => [failure.key, failure.code])
        .sort(),
    ).toEqual([...fx.archive.corrupt].sort());
    expect(first.stdout).toContain("failed");
    // Privacy: file names and error codes only, never a page's text.
    expect(first.stdout + first.stderr).not.toContain("page:");
    for (const key of fx.archive.corrupt.keys()) expect(first.stdout).toContain(key);

    // Each distinct page went to the model exactly once (copies were not sent again).
    const calls = pageCalls(fx.emulator);
    const distinctPages = new Set([...pagesByKey.values()].flat());
    expect(calls.length).toBe(distinctPages.size);
    expect(new Set(calls)).toEqual(distinctPages);
    const { records } = await readState(out);
    expect([...records.values()].filter((record) => record.status === "done").length).toBe(
      fx.archive.documents.size,
    );

    const again = await runBatch(
      [fx.archive.root, "--out", out, "--format", FORMATS.join(","), "--json"],
      batchEnv(fx.emulator),
    );
    expect(again.code).toBe(1);
    expect(pageCalls(fx.emulator).length).toBe(calls.length);
    const summary = JSON.parse(again.stdout);
    expect(summary.documents.done_earlier).toBe(fx.archive.documents.size);
    expect(summary.documents.done).toBe(0);
    expect(summary.failures.by_code).toEqual({ empty_file: 1, invalid_pdf: 1, unsupported_media_type: 1 });
  }, 600_000);

  it("killed with SIGKILL midway and run again, finishes every document exactly once", async () => {
    const out = path.join(fx.work, "out-killed");
    fx.emulator.reset();
    answerWithPageIds(fx.emulator, 40);
    const args = [fx.archive.root, "--out", out, "--format", FORMATS.join(","), "--concurrency", "4"];
    const killed = spawnBatch(args, batchEnv(fx.emulator));
    await waitUntil(async () => (await readState(out)).records.size >= 60);
    killed.child.kill("SIGKILL");
    await killed.exited;
    const firstRunCalls = pageCalls(fx.emulator);
    const afterKill = await readState(out);
    const doneBeforeKill = [...afterKill.records.values()].filter((record) => record.status === "done");
    expect(doneBeforeKill.length).toBeGreaterThan(0);
    expect(doneBeforeKill.length).toBeLessThan(fx.archive.documents.size);

    answerWithPageIds(fx.emulator, 0);
    const resumed = await runBatch(args, batchEnv(fx.emulator));
    expect(resumed.code).toBe(1);
    const secondRunCalls = pageCalls(fx.emulator).slice(firstRunCalls.length);

    // Outputs exactly once: one file per document and format, nothing half-written or left over.
    expect(await listFiles(out)).toEqual(expectedFiles());
    const pagesByKey = await checkOutputs(out);
    const { records } = await readState(out);
    expect([...records.values()].filter((record) => record.status === "done").length).toBe(
      fx.archive.documents.size,
    );

    // Model calls: within a run no page is sent twice; a page of a document the first run had committed is
    // never sent again; a page may be sent in both runs only if its document was in flight at the kill, and
    // at most the pages in flight (4) plus the documents being written (prefetch 4) can be.
    expect(new Set(firstRunCalls).size).toBe(firstRunCalls.length);
    expect(new Set(secondRunCalls).size).toBe(secondRunCalls.length);
    const committedPages = new Set(doneBeforeKill.flatMap((record) => pagesByKey.get(record.key) ?? []));
    for (const call of secondRunCalls) expect(committedPages.has(call)).toBe(false);
    const sentTwice = secondRunCalls.filter((call) => firstRunCalls.includes(call));
    expect(sentTwice.length).toBeLessThanOrEqual(8);
    const allPages = new Set([...pagesByKey.values()].flat());
    expect(new Set([...firstRunCalls, ...secondRunCalls])).toEqual(allPages);
  }, 600_000);
});
