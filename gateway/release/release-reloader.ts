import { createHash } from "node:crypto";
import { type FSWatcher, readFileSync, watch } from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import type { ModelRelease } from "./model-release.ts";
import { parseUpstreamsFile } from "./upstreams-file.ts";

export interface ReleaseReloader {
  /** Reads the file again and applies it (SIGHUP); a bad file is logged and the current versions stay. */
  reload(reason: string): boolean;
  close(): void;
}

/**
 * Applies `UPSTREAMS_FILE` to the release again on demand and whenever it changes. The directory is watched,
 * not the file: editors and Kubernetes ConfigMaps replace the file (or a symlink to it) rather than write it.
 * Bursts of events are debounced, and a file whose bytes did not change is not applied again.
 */
export function watchUpstreamsFile(
  file: string,
  release: ModelRelease,
  logger: Logger,
  { debounceMs = 200 }: { debounceMs?: number } = {},
): ReleaseReloader {
  let applied = "";
  const digest = (text: string) => createHash("sha256").update(text).digest("hex");
  try {
    applied = digest(readFileSync(file, "utf8"));
  } catch {
    // read again (and the error reported) by the next reload
  }

  function reload(reason: string, onlyIfChanged = false): boolean {
    try {
      const text = readFileSync(file, "utf8");
      const hash = digest(text);
      if (onlyIfChanged && hash === applied) return false;
      release.apply(parseUpstreamsFile(text, file));
      applied = hash;
      logger.info({ reason, file, versions: release.describe() }, "UPSTREAMS_FILE applied");
      return true;
    } catch (error) {
      logger.error(
        { reason, file, err: (error as Error).message },
        `UPSTREAMS_FILE not applied, the current versions stay: ${(error as Error).message}`,
      );
      return false;
    }
  }

  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  const base = path.basename(file);
  try {
    watcher = watch(path.dirname(path.resolve(file)), (_event, name) => {
      if (name !== null && name !== base && name !== "..data") return;
      clearTimeout(timer);
      timer = setTimeout(() => reload("file changed", true), debounceMs);
      timer.unref();
    });
    watcher.unref();
    watcher.on("error", (error) =>
      logger.warn({ err: error.message }, "cannot watch UPSTREAMS_FILE; use SIGHUP"),
    );
  } catch (error) {
    logger.warn({ err: (error as Error).message }, "cannot watch UPSTREAMS_FILE; reload it with SIGHUP");
  }

  return {
    reload: (reason) => reload(reason),
    close() {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
