import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDocument } from "../../gateway/documents/open-document.ts";
import { DEFAULT_IMAGE_LIMITS } from "../../gateway/images/image-limits.ts";
import { receiptVideo } from "../support/ocr-fixtures.ts";
import { lacks } from "../support/system-tools.ts";

let folder: string;
let ffmpegPath: string;
let log: string;

// An ffmpeg that logs when each frame extraction starts and ends, then runs the real one.
beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), "ffmpeg-log-"));
  log = path.join(folder, "calls.log");
  ffmpegPath = path.join(folder, "ffmpeg");
  await writeFile(log, "");
  await writeFile(
    ffmpegPath,
    `#!/bin/sh
case "$*" in *image2pipe*) echo start >> "${log}"; ffmpeg "$@"; status=$?; echo end >> "${log}"; exit $status;; esac
exec ffmpeg "$@"
`,
  );
  await chmod(ffmpegPath, 0o755);
});
afterAll(() => rm(folder, { recursive: true, force: true }));

const extractions = async () => (await readFile(log, "latin1")).split("\n").filter(Boolean);

describe.skipIf(lacks("ffmpeg"))("video frames", () => {
  it("are extracted when their page is read, one ffmpeg at a time, not all at open", async () => {
    const document = await openDocument(await receiptVideo("000"), {
      limits: DEFAULT_IMAGE_LIMITS,
      maxPages: 10,
      timestamps: [0.2, 0.6, 1.0, 1.4],
      ffmpegPath,
    });
    try {
      expect(document.pageCount).toBe(4);
      expect(await extractions()).toEqual([]);
      const first = await document.pages[0]?.load();
      expect(first?.image.width).toBe(462);
      expect(await extractions()).toEqual(["start", "end"]);
      const rest = await Promise.all(document.pages.slice(1).map((page) => page.load()));
      expect(rest.map((frame) => frame.image.height)).toEqual([1012, 1012, 1012]);
      // Loaded together, the frames were still extracted one after another.
      expect(await extractions()).toEqual(Array.from({ length: 4 }, () => ["start", "end"]).flat());
    } finally {
      await document.close();
    }
  });

  it("answers a time past the end with 400 before extracting any frame", async () => {
    await writeFile(log, "");
    const opening = openDocument(await receiptVideo("000"), {
      limits: DEFAULT_IMAGE_LIMITS,
      maxPages: 10,
      timestamps: [1, 30],
      ffmpegPath,
    });
    await expect(opening).rejects.toMatchObject({ status: 400, code: "timestamp_out_of_range" });
    expect(await extractions()).toEqual([]);
  });
});
