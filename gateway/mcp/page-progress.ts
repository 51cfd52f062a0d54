import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";
import type { OcrEventSink } from "../ocr/ocr-types.ts";

type ToolCallExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/**
 * MCP progress notifications for a tool call, one per page read (`progress` pages of `total`), when the
 * client asked for them with a `progressToken`. Long PDFs keep the client informed (and its timeout reset,
 * for clients that reset it on progress).
 */
export function pageProgress(extra: ToolCallExtra, total: number): OcrEventSink | undefined {
  const progressToken = extra._meta?.progressToken;
  if (progressToken === undefined) return undefined;
  let done = 0;
  return (event) => {
    if (event.event !== "page.done") return;
    done += 1;
    extra
      .sendNotification({
        method: "notifications/progress",
        params: { progressToken, progress: done, total, message: `Read page ${event.data.index}.` },
      })
      // A client that went away cannot be told; the call itself is aborted through `extra.signal`.
      .catch(() => {});
  };
}
