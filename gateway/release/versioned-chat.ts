import type { ChatBackend, ChatCallContext } from "../backends/backend.ts";
import type { ChatRequest } from "../chat/chat-request.ts";
import { GatewayError } from "../errors.ts";
import { hasTailRepetition } from "../tasks/index.ts";
import { fieldAgreement, textAgreement } from "./agreement.ts";
import { chatAnswerText, jsonObjectOf } from "./answer-text.ts";
import type { ModelRelease } from "./model-release.ts";
import type { ModelVersion } from "./model-version.ts";

/** Bytes of an answer kept to compare and check for loops; a longer answer is not judged. */
const MAX_KEPT_BYTES = 2 * 1024 * 1024;

/** A failure that says something about the model server (not the caller's request, not a hang-up). */
export function isServerFault(error: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return false;
  return !(error instanceof GatewayError) || error.status >= 500;
}

/**
 * Passes `body` through unchanged, keeping up to `MAX_KEPT_BYTES`, and reports how it ended: read to the end
 * (with the bytes, unless too long), broken, or cancelled by the reader (the client hung up).
 */
function keepBody(
  body: ReadableStream<Uint8Array>,
  onEnd: (end: { outcome: "done" | "failed" | "cancelled"; bytes?: Buffer }) => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await reader.read();
          if (next.done) {
            onEnd(
              size <= MAX_KEPT_BYTES
                ? { outcome: "done", bytes: Buffer.concat(chunks) }
                : { outcome: "done" },
            );
            controller.close();
            return;
          }
          size += next.value.byteLength;
          if (size <= MAX_KEPT_BYTES) chunks.push(next.value);
          else chunks.length = 0;
          controller.enqueue(next.value);
        } catch (error) {
          onEnd({ outcome: "failed" });
          controller.error(error);
        }
      },
      async cancel(reason) {
        onEnd({ outcome: "cancelled" });
        await reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/** Compares a shadow candidate's answer to the same request with the one the client got. */
function compareChat(release: ModelRelease, candidate: ModelVersion, primary: string, shadow: string): void {
  const left = jsonObjectOf(primary);
  const right = left ? jsonObjectOf(shadow) : undefined;
  if (left && right) release.agreed(candidate, "fields", fieldAgreement(left, right));
  else release.agreed(candidate, "text", textAgreement(primary, shadow));
}

/** Sends the request to a shadow candidate (never streamed) and compares its answer with `primary`. */
function mirrorChat(
  release: ModelRelease,
  candidate: ModelVersion,
  request: ChatRequest,
  context: ChatCallContext,
  primary: string,
): void {
  const { stream: _stream, stream_options: _options, ...rest } = request;
  const shadowRequest = { ...rest, model: candidate.model } as ChatRequest;
  release.mirror(candidate, async (signal) => {
    const { response } = await candidate.chat.chatCompletion(shadowRequest, {
      requestId: `${context.requestId}-shadow`,
      signal,
      shadow: true,
    });
    const answer = chatAnswerText(await response.text(), false);
    if (answer.failed) throw new Error("the shadow answer was an error");
    compareChat(release, candidate, primary, answer.text);
  });
}

/**
 * A version's chat backend that records every call's outcome (server failure, repetition loop) for the
 * rollback windows and, once the client has its whole answer, mirrors the request to shadow candidates.
 */
export function wrapChatBackend(
  inner: ChatBackend,
  version: ModelVersion,
  release: ModelRelease,
): ChatBackend {
  return {
    name: inner.name,
    modelId: inner.modelId,
    checkReady: (signal) => inner.checkReady(signal),
    close: () => inner.close(),
    async chatCompletion(request, context) {
      let answer: Awaited<ReturnType<ChatBackend["chatCompletion"]>>;
      try {
        answer = await inner.chatCompletion(request, context);
      } catch (error) {
        if (isServerFault(error, context.signal)) release.record(version, { error: true });
        throw error;
      }
      const { response, timing } = answer;
      if (response.body === null) return answer;
      const streaming = request.stream === true;
      const body = keepBody(response.body, (end) => {
        if (end.outcome === "cancelled") return;
        if (end.outcome === "failed") {
          release.record(version, { error: true });
          return;
        }
        if (!end.bytes) {
          release.record(version, { error: false });
          return;
        }
        const { text, failed } = chatAnswerText(end.bytes.toString("utf8"), streaming);
        release.record(version, failed ? { error: true } : { error: false, loop: hasTailRepetition(text) });
        if (failed || context.shadow) return;
        for (const candidate of release.shadowsFor(version))
          mirrorChat(release, candidate, request, context, text);
      });
      return { response: new Response(body, response), timing };
    },
  };
}
