import { open, readFile, rm } from "node:fs/promises";

export class RunLockedError extends Error {}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes `lockFile` for this process, so two runs never write the same output folder's state at once. A lock
 * left by a process that no longer exists (a run killed with SIGKILL) is taken over. Returns the release.
 */
export async function acquireRunLock(lockFile: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockFile, "wx");
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return () => rm(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number((await readFile(lockFile, "utf8").catch(() => "")).trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
        throw new RunLockedError(
          `Another batch run (pid ${owner}) is writing to this output folder; wait for it or stop it.`,
        );
      }
      await rm(lockFile, { force: true });
    }
  }
  throw new RunLockedError(`Could not take the lock ${lockFile}.`);
}
