import { randomUUID } from "node:crypto";
import type { ChatRequest } from "../chat/chat-request.ts";
import type { OcrEngine } from "../engines/ocr-engine.ts";
import { BadRequestError } from "../errors.ts";
import { decodeDataUrl } from "../fetching/decode-data-url.ts";
import type { ImageLimits } from "../images/image-limits.ts";
import { normalizeImage } from "../images/normalize-image.ts";
import type { ChatBackend, ChatCallContext, ReadyStatus, UpstreamTiming } from "./backend.ts";

function lastImageUrl(request: ChatRequest): string | undefined {
  for (const message of [...request.messages].reverse()) {
    if (message.role !== "user" || !Array.isArray(message.content)) continue;
    const image = message.content.findLast((part) => part.type === "image_url");
    if (image?.type === "image_url") return image.image_url.url;
  }
  return undefined;
}

const sse = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;

/**
 * Chat completions answered by the embedded CPU engine: the text it reads in the last image, in OpenAI's
 * chat completion shape (or as an SSE stream: role chunk, one chunk per line, finish, optional usage, [DONE]).
 * The instruction text is not interpreted: the engine only reads text.
 */
export class EmbeddedChatBackend implements ChatBackend {
  readonly name = "embedded";

  constructor(
    private readonly engine: OcrEngine,
    private readonly imageLimits: ImageLimits,
  ) {}

  get modelId(): string {
    return this.engine.id;
  }

  async chatCompletion(
    request: ChatRequest,
    context: ChatCallContext,
  ): Promise<{ response: Response; timing: UpstreamTiming }> {
    const url = lastImageUrl(request);
    if (url === undefined) {
      throw new BadRequestError(
        "image_required",
        "The embedded OCR engine reads images: add an image_url part.",
        {
          param: "messages",
        },
      );
    }
    const image = await normalizeImage(decodeDataUrl(url, "messages"), this.imageLimits);
    const started = performance.now();
    const result = await this.engine.recognize(image.data, { signal: context.signal });
    const timing = { upstreamWaitMs: performance.now() - started };
    const lines = result.lines.map((line) => line.text);
    const text = lines.join("\n");
    const id = `chatcmpl-${context.requestId || randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const model = request.model ?? this.engine.id;
    const completionTokens = lines.length;
    const usage = { prompt_tokens: 0, completion_tokens: completionTokens, total_tokens: completionTokens };
    const headers = { "x-ocr-confidence": result.confidence.toFixed(3) };
    if (request.stream !== true) {
      const body = {
        id,
        object: "chat.completion",
        created,
        model,
        choices: [
          { index: 0, message: { role: "assistant", content: text }, logprobs: null, finish_reason: "stop" },
        ],
        usage,
      };
      return { response: Response.json(body, { headers }), timing };
    }
    const chunk = (delta: Record<string, unknown>, finish: string | null) =>
      sse({
        id,
        object: "chat.completion.chunk",
        created,
        model,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      });
    const events = [
      chunk({ role: "assistant", content: "" }, null),
      ...lines.map((line, index) => chunk({ content: index === 0 ? line : `\n${line}` }, null)),
      chunk({}, "stop"),
      ...(request.stream_options?.include_usage === true
        ? [sse({ id, object: "chat.completion.chunk", created, model, choices: [], usage })]
        : []),
      "data: [DONE]\n\n",
    ];
    return {
      response: new Response(events.join(""), {
        headers: {
          ...headers,
          "content-type": "text/event-stream; charset=utf-8",
          "cache-control": "no-cache",
        },
      }),
      timing,
    };
  }

  async checkReady(): Promise<ReadyStatus> {
    const stats = this.engine.stats();
    return { ready: true, backend: this.name, detail: { engine: this.engine.id, ...stats } };
  }

  close(): Promise<void> {
    return this.engine.close();
  }
}
