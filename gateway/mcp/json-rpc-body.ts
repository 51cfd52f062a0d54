import { z } from "zod";
import { parseJsonText } from "../json/fast-json.ts";
import type { JsonRpcId } from "./in-flight-calls.ts";

/** JSON-RPC's answer to a body that is not JSON (the transport's own wording and status). */
export const PARSE_ERROR = {
  jsonrpc: "2.0",
  error: { code: -32700, message: "Parse error" },
  id: null,
} as const;

const cancelledNotification = z.object({
  method: z.literal("notifications/cancelled"),
  params: z.object({ requestId: z.union([z.string(), z.number()]), reason: z.string().optional() }),
});

/** The POST body as JSON, or undefined when it is not JSON. */
export function parseJsonRpcBody(bytes: Uint8Array): unknown {
  try {
    return parseJsonText(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"));
  } catch {
    return undefined;
  }
}

/** The calls a POST body cancels (`notifications/cancelled`, alone or in a batch). */
export function cancelledCalls(body: unknown): Array<{ id: JsonRpcId; reason: string }> {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  return messages.flatMap((message) => {
    const parsed = cancelledNotification.safeParse(message);
    return parsed.success
      ? [{ id: parsed.data.params.requestId, reason: parsed.data.params.reason ?? "" }]
      : [];
  });
}
