import { describe, expect, it } from "vitest";
import { availableOcrTools } from "../../gateway/mcp/create-mcp-server.ts";
import type { OcrBackend } from "../../gateway/ocr/ocr-backend.ts";
import type { OcrServiceDependencies } from "../../gateway/ocr/ocr-service.ts";
import { BUILTIN_PROMPTS_DIR, loadTaskRegistry } from "../../gateway/tasks/index.ts";

/** A backend that runs only the tasks named in `runs`. */
function backendRunning(runs: readonly string[]): OcrBackend {
  return {
    name: "partial",
    imageLimits: { maxInputPixels: 1e8, maxLongSide: 1600, maxPixels: 1600 * 1600 },
    capabilities: (task) => ({ available: runs.includes(task.name), ignoredOptions: [] }),
    prepareTask(task, options) {
      return { task, options };
    },
    runPage() {
      throw new Error("not used");
    },
  };
}

describe("availableOcrTools", () => {
  it("leaves out the tools whose task the backend does not run", async () => {
    const tasks = await loadTaskRegistry([BUILTIN_PROMPTS_DIR]);
    const deps = (runs: string[]) =>
      ({ tasks, ocr: backendRunning(runs) }) as unknown as OcrServiceDependencies;
    expect(availableOcrTools(deps(["text", "spotting"])).map((tool) => tool.name)).toEqual([
      "read_text",
      "spot_text",
    ]);
    // A backend that gains a task gains its tool, with no list to update.
    expect(availableOcrTools(deps(["text", "spotting", "document"])).map((tool) => tool.name)).toEqual([
      "read_text",
      "parse_document",
      "spot_text",
    ]);
  });
});
