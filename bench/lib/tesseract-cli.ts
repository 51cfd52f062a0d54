import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** One page read by Debian's `tesseract` CLI. */
export interface TesseractPage {
  text: string;
  /** Wall time of the process, start to exit. */
  ms: number;
  /** Peak resident set of the tesseract process (from GNU time), bytes. */
  peakRssBytes: number;
}

/** The installed tesseract's version line, or null when it is not installed. */
export async function tesseractVersion(): Promise<string | null> {
  try {
    const { stdout, stderr } = await run("tesseract", ["--version"]);
    return (stdout || stderr).split("\n")[0] ?? null;
  } catch {
    return null;
  }
}

/**
 * Runs `tesseract <image> stdout --psm 4` (a single column of text of variable sizes: receipts) under
 * `/usr/bin/time` to get its peak memory.
 */
export async function readWithTesseract(imagePath: string, language = "eng"): Promise<TesseractPage> {
  const scratch = await mkdtemp(path.join(tmpdir(), "tesseract-bench-"));
  const timeFile = path.join(scratch, "time.txt");
  try {
    const started = performance.now();
    const { stdout } = await run(
      "/usr/bin/time",
      ["-f", "%M", "-o", timeFile, "tesseract", imagePath, "stdout", "--psm", "4", "-l", language],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    const ms = performance.now() - started;
    const peakKb = Number((await readFile(timeFile, "utf8")).trim().split("\n").at(-1));
    return { text: stdout, ms, peakRssBytes: peakKb * 1024 };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
