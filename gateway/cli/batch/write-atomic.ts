import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import path from "node:path";

/**
 * Writes `data` to `target` so that readers (and a later run) see either the old file or the whole new one:
 * the bytes go to a temporary file in `tempDir` (same file system as `target`), are flushed, then renamed
 * over the target. Temporary files live in one folder rather than beside the outputs, so the files a killed
 * run left behind are removed by clearing that folder, and never litter the mirrored tree.
 */
export async function writeFileAtomic(
  target: string,
  data: string | Uint8Array,
  tempDir: string,
): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const temp = path.join(tempDir, `${process.pid}-${randomBytes(6).toString("hex")}`);
  const handle = await open(temp, "w");
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Empties (or creates) the temporary folder: what is there was left by a run that was killed. */
export async function resetTempDir(tempDir: string): Promise<void> {
  await rm(tempDir, { recursive: true, force: true });
  await mkdir(tempDir, { recursive: true });
}
