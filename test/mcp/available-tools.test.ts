import { describe, expect, it } from "vitest";
import { NotImplementedError } from "../../gateway/errors.ts";
import { availableOcrTools } from "../../gateway/mcp/create-mcp-server.ts";
import type { OcrBackend } from "../../gateway/ocr/ocr-backend.ts";
import type { OcrServiceDependencies } from "../../gateway/ocr/ocr-service.ts";
import { BUILTIN_PROMPTS_DIR, loadTaskRegistry } from "../../gateway/tasks/index.ts";

/** A backend that, like the embedded engine, runs only the tasks whose file declares an `embedded` form. */
function embeddedLikeBackend(): OcrBackend {
  return {
    name: "embedded-like",
    imageLimits: { maxInputPixels: 1e8, maxLongSide: 1600, maxPixels: 1600 * 1600 },
    prepareTask(task, options) {
      if (task.embedded == null) throw new NotImplementedError("task_needs_vlm_backend", "needs the model");
      return { task, options };
    },
    runPage() {
      throw new Error("not used");
    },
  };
}

describe("availableOcrTools", () => {
  it("leaves out the tools whose task the backend refuses with 501", async () => {
    const tasks = await loadTaskRegistry([BUILTIN_PROMPTS_DIR]);
    const deps = { tasks, ocr: embeddedLikeBackend() } as unknown as OcrServiceDependencies;
    expect(availableOcrTools(deps).map((tool) => tool.name)).toEqual(["read_text", "spot_text"]);
  });
});
