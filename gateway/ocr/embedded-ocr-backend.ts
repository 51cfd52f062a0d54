import type { OcrEngine, RecognizedLine } from "../engines/ocr-engine.ts";
import { NotImplementedError } from "../errors.ts";
import type { ImageLimits } from "../images/image-limits.ts";
import type { TaskDefinition, TaskRegistry } from "../tasks/index.ts";
import type {
  BackendLoad,
  OcrBackend,
  PageContext,
  PreparedTask,
  TaskCapabilities,
  TaskOptions,
} from "./ocr-backend.ts";
import type { PageBox, PageResult, PreparedPage } from "./ocr-types.ts";

function toPageBox(line: RecognizedLine, scale: number): PageBox {
  const x1 = Math.round(line.box.x * scale);
  const y1 = Math.round(line.box.y * scale);
  const x2 = Math.round((line.box.x + line.box.width) * scale);
  const y2 = Math.round((line.box.y + line.box.height) * scale);
  return {
    text: line.text,
    box: { x1, y1, x2, y2 },
    polygon: [
      [x1, y1],
      [x2, y1],
      [x2, y2],
      [x1, y2],
    ],
    confidence: Math.round(line.confidence * 1000) / 1000,
  };
}

/**
 * `/v1/ocr` on the embedded CPU engine. It serves the tasks whose file declares an `embedded` rendering
 * (`text`, `spotting`); any other task is a 501 `task_needs_vlm_backend` naming the setting to change.
 */
export class EmbeddedOcrBackend implements OcrBackend {
  readonly name = "embedded";

  constructor(
    private readonly engine: OcrEngine,
    readonly imageLimits: ImageLimits,
    private readonly tasks: TaskRegistry,
  ) {}

  capabilities(task: TaskDefinition): TaskCapabilities {
    // The engine reads pixels: no prompt (so no prompt language) and no token budget.
    return { available: task.embedded != null, ignoredOptions: ["language", "max_tokens"] };
  }

  load(): BackendLoad {
    const stats = this.engine.stats();
    return { slots: stats.workers, busy: stats.busy, waiting: stats.queued };
  }

  prepareTask(task: TaskDefinition, options: TaskOptions): PreparedTask {
    if (!this.capabilities(task).available) {
      const served = this.tasks
        .list()
        .filter((candidate) => this.capabilities(candidate).available)
        .map((candidate) => candidate.name);
      throw new NotImplementedError(
        "task_needs_vlm_backend",
        `Task "${task.name}" needs the HunyuanOCR model: set VLLM_URL to a vLLM server serving it. ` +
          `The embedded CPU engine only runs: ${served.join(", ")}.`,
        { param: "task", retryable: false },
      );
    }
    return { task, options };
  }

  async runPage(page: PreparedPage, prepared: PreparedTask, context: PageContext): Promise<PageResult> {
    const result = await this.engine.recognize(page.image.data, { signal: context.signal });
    // The engine answers in pixels of the image it was given; the caller wants the original page's.
    const scale = result.width > 0 ? page.dimensions.width / result.width : 1;
    const text = result.lines.map((line) => line.text).join("\n");
    if (text !== "") context.onDelta(text);
    const spotting = prepared.task.embedded === "spotting";
    return {
      index: page.index,
      markdown: text,
      text,
      images: [],
      dimensions: page.dimensions,
      ...(spotting
        ? { boxes: result.lines.map((line) => toPageBox(line, scale)), box_units: "pixels" as const }
        : {}),
      confidence: Math.round(result.confidence * 1000) / 1000,
      finish_reason: "stop",
      retried: false,
      warnings: [],
      usage: { prompt_tokens: 0, completion_tokens: 0 },
    };
  }
}
