import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { toOcrRequest } from "../../../gateway/cli/batch/document-options.ts";
import { readManifest } from "../../../gateway/cli/batch/read-manifest.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "manifest-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("readManifest", () => {
  it("reads a CSV with per-line options over the command line's, and reports bad lines", async () => {
    const manifest = path.join(dir, "list.csv");
    await writeFile(
      manifest,
      [
        "path,url,task,pages,fields,output",
        "scans/a.pdf,,document,0-2,,",
        ",https://archive.example/img/b.png?v=2,,,,",
        'scans/c.jpg,,fields,,"date,total",',
        "../outside.png,,,,,",
        ",,,,,",
        "scans/d.tif,,,,,../escape",
        "scans/a.pdf,,,,,",
      ].join("\n"),
    );
    const { documents, skipped } = await readManifest(manifest, { language: "en", task: "text" });
    expect(documents.map((document) => document.key)).toEqual([
      "scans/a.pdf",
      expect.stringMatching(/^urls\/archive\.example\/img\/b\.png_[\w-]+$/),
      "scans/c.jpg",
      expect.stringMatching(/^external\/.+\/outside\.png$/),
    ]);
    expect(documents[0]?.options).toEqual({ language: "en", task: "document", pages: "0-2" });
    expect(documents[0]?.location).toEqual({ kind: "file", path: path.join(dir, "scans/a.pdf") });
    expect(documents[1]?.location).toEqual({ kind: "url", url: "https://archive.example/img/b.png?v=2" });
    expect(toOcrRequest(documents[2]?.options ?? {})).toMatchObject({
      task: "fields",
      fields: ["date", "total"],
    });
    expect(skipped.map((line) => [line.key, line.code])).toEqual([
      ["list.csv:6", "invalid_manifest_line"],
      ["list.csv:7", "invalid_manifest_line"],
      ["list.csv:8", "duplicate_entry"],
    ]);
    expect(skipped.every((line) => line.failure)).toBe(true);
  });

  it("reads JSONL with lists and numbers as the form fields would carry them", async () => {
    const manifest = path.join(dir, "list.jsonl");
    await writeFile(
      manifest,
      `${JSON.stringify({ path: "x.pdf", pages: [0, 2], fields: ["a", "b"], max_tokens: 512 })}\nnot json\n\n`,
    );
    const { documents, skipped } = await readManifest(manifest, {});
    expect(documents[0]?.options).toEqual({ pages: "[0,2]", fields: '["a","b"]', max_tokens: "512" });
    expect(toOcrRequest(documents[0]?.options ?? {})).toMatchObject({
      pages: [0, 2],
      fields: ["a", "b"],
      max_tokens: 512,
    });
    expect(skipped).toEqual([
      expect.objectContaining({ key: "list.jsonl:2", code: "invalid_manifest_line" }),
    ]);
  });
});
