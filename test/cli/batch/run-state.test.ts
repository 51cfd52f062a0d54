import { appendFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type DocumentRecord, RunState } from "../../../gateway/cli/batch/run-state.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "run-state-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function record(key: string, status: DocumentRecord["status"], sha256 = `sha-${key}`): DocumentRecord {
  return {
    key,
    status,
    sha256,
    size: 10,
    mtimeMs: 1,
    optionsDigest: "d",
    options: {},
    formats: status === "done" ? ["json"] : [],
    pages: 1,
    ms: 5,
    at: new Date(0).toISOString(),
  };
}

describe("RunState", () => {
  it("keeps the last record per document, drops a line torn by a kill, and compacts the file when opened", async () => {
    const file = path.join(dir, "state.jsonl");
    const state = await RunState.open(file, dir);
    await state.append(record("a.pdf", "failed"));
    await state.append(record("b.jpg", "done"));
    await state.append(record("a.pdf", "done"));
    await state.close();
    await appendFile(file, '{"key":"c.png","status":"do');

    const reopened = await RunState.open(file, dir);
    expect(reopened.get("a.pdf")?.status).toBe("done");
    expect(reopened.get("c.png")).toBeUndefined();
    expect(reopened.findDone("sha-b.jpg", "d")?.key).toBe("b.jpg");
    expect(reopened.findDone("sha-b.jpg", "other-options")).toBeUndefined();
    await reopened.close();
    const lines = (await readFile(file, "utf8")).trim().split("\n");
    expect(lines.map((line) => JSON.parse(line).key)).toEqual(["a.pdf", "b.jpg"]);
  });
});
