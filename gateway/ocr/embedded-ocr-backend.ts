import type { OcrEngine, PixelBox, RecognizedLine } from "../engines/ocr-engine.ts";
import { NotImplementedError } from "../errors.ts";
import type { ImageLimits } from "../images/image-limits.ts";
import { markdownFromLines } from "../layout/markdown-layout.ts";
import { resolveTaskInputs, type TaskDefinition, type TaskRegistry } from "../tasks/index.ts";
import type {
  BackendLoad,
  OcrBackend,
  PageContext,
  PreparedTask,
  TaskCapabilities,
  TaskOptions,
} from "./ocr-backend.ts";
import type { PageBox, PageResult, PreparedPage, TextLine } from "./ocr-types.ts";

/** The engine reads pixels: no prompt (so no prompt language) and no token budget. */
const IGNORED_OPTIONS = ["language", "max_tokens"];
/** The Markdown layout keeps tables as aligned text and finds no figures. */
const IGNORED_BY_LAYOUT = ["table_format", "include_image_base64"];

function roundScore(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function scaledBox(box: PixelBox, scale: number): PageBox["box"] {
  return {
    x1: Math.round(box.x * scale),
    y1: Math.round(box.y * scale),
    x2: Math.round((box.x + box.width) * scale),
    y2: Math.round((box.y + box.height) * scale),
  };
}

function toPageBox(line: RecognizedLine, scale: number): PageBox {
  const box = scaledBox(line.box, scale);
  const { x1, y1, x2, y2 } = box;
  return {
    text: line.text,
    box,
    polygon: [
      [x1, y1],
      [x2, y1],
      [x2, y2],
      [x1, y2],
    ],
    confidence: roundScore(line.confidence),
  };
}

function toTextLine(line: { text: string; confidence: number; box: PixelBox }, scale: number): TextLine {
  return { text: line.text, confidence: roundScore(line.confidence), box: scaledBox(line.box, scale) };
}

/**
 * `/v1/ocr` on the embedded CPU engine. It serves the tasks whose file declares an `embedded` rendering:
 * `text` (the lines), `spotting` (the lines with boxes) and `document` (Markdown laid out from the lines'
 * boxes, `markdownFromLines`). Any other task is a 501 `task_needs_vlm_backend` naming the setting to change.
 * Every page carries the engine's confidence, per line (`text_lines`) and for the page.
 */
export class EmbeddedOcrBackend implements OcrBackend {
  readonly name = "embedded";

  constructor(
    private readonly engine: OcrEngine,
    readonly imageLimits: ImageLimits,
    private readonly tasks: TaskRegistry,
  ) {}

  capabilities(task: TaskDefinition): TaskCapabilities {
    return {
      available: task.embedded != null,
      ignoredOptions:
        task.embedded === "document" ? [...IGNORED_OPTIONS, ...IGNORED_BY_LAYOUT] : IGNORED_OPTIONS,
    };
  }

  load(): BackendLoad {
    const stats = this.engine.stats();
    return { slots: stats.workers, busy: stats.busy, waiting: stats.queued };
  }

  prepareTask(task: TaskDefinition, options: TaskOptions): PreparedTask {
    // The same 4xx as on vLLM for variables and schemas, even for a task only the model runs.
    resolveTaskInputs(task, { variables: options.variables, schema: options.schema });
    return { task, options };
  }

  assertServes(task: TaskDefinition): void {
    if (this.capabilities(task).available) return;
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

  async runPage(page: PreparedPage, prepared: PreparedTask, context: PageContext): Promise<PageResult> {
    this.assertServes(prepared.task);
    const result = await this.engine.recognize(page.image.data, { signal: context.signal });
    // The engine answers in pixels of the image it was given; the caller wants the original page's.
    const scale = result.width > 0 ? page.dimensions.width / result.width : 1;
    const rendering = prepared.task.embedded;
    const layout = rendering === "document" ? markdownFromLines(result.lines) : undefined;
    const markdown = layout?.markdown ?? result.lines.map((line) => line.text).join("\n");
    if (markdown !== "") context.onDelta(markdown);
    return {
      index: page.index,
      markdown,
      text: markdown,
      images: [],
      dimensions: page.dimensions,
      ...(rendering === "spotting"
        ? { boxes: result.lines.map((line) => toPageBox(line, scale)), box_units: "pixels" as const }
        : {}),
      text_lines: (layout?.lines ?? result.lines).map((line) => toTextLine(line, scale)),
      confidence: roundScore(result.confidence),
      finish_reason: "stop",
      retried: false,
      warnings: [],
      usage: { prompt_tokens: 0, completion_tokens: 0 },
    };
  }
}
