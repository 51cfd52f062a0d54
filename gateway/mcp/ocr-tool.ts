import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Logger } from "pino";
import { z } from "zod";
import type { CachePolicy } from "../cache/result-cache.ts";
import type { OcrRequest } from "../ocr/ocr-request.ts";
import type { OcrResponse } from "../ocr/ocr-response.ts";
import { ocrResponseSchema } from "../ocr/ocr-response-schema.ts";
import { type OcrServiceDependencies, prepareOcrJob } from "../ocr/ocr-service.ts";
import type { TaskDefinition } from "../tasks/index.ts";
import { documentArgumentShape, documentArgumentsOf, documentSourceOf } from "./document-argument.ts";
import type { JsonRpcId, TrackedCall } from "./in-flight-calls.ts";
import { pageProgress } from "./page-progress.ts";
import { ocrToolResult, toolErrorResult } from "./tool-result.ts";

/** What every tool call needs from the server it runs in. */
export interface OcrToolContext {
  deps: OcrServiceDependencies & { logger: Logger };
  /** True over stdio: the `path` argument may name a local file. */
  localFiles: boolean;
  /** A fresh id per tool call (it prefixes the upstream request ids, so it must be unique). */
  nextRequestId(): string;
  /** The caller and what the result cache may do for its calls; without it tool calls bypass the cache. */
  cache?: CachePolicy;
  /** Told the task of each call, e.g. to label the HTTP request's metrics. */
  onTask?: (task: TaskDefinition) => void;
  /** Registers a call so a cancellation that arrives outside this server's session can abort it. */
  trackCall?: (id: JsonRpcId) => TrackedCall;
}

export interface OcrToolDefinition<Shape extends z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  /** The `/v1/ocr` task the tool runs. */
  task: string;
  /** The tool's own arguments; the document arguments (`url`, `base64`, `path`, `pages`) are added. */
  shape: Shape;
  /** The `/v1/ocr` options the tool's arguments stand for. */
  options(args: z.output<z.ZodObject<Shape>>): Partial<OcrRequest>;
  /** The text the calling model reads. */
  render(response: OcrResponse): string;
}

/** A tool ready to be registered on an MCP server. */
export interface OcrTool {
  name: string;
  task: string;
  register(server: McpServer, context: OcrToolContext): void;
}

/**
 * Builds an MCP tool that runs one `/v1/ocr` task through the same service as the HTTP route. Bad input and
 * gateway errors come back as `isError` results carrying the gateway's error code.
 */
export function defineOcrTool<Shape extends z.ZodRawShape>(definition: OcrToolDefinition<Shape>): OcrTool {
  const ownArguments = z.object(definition.shape);
  return {
    name: definition.name,
    task: definition.task,
    register(server, context) {
      const { deps } = context;
      // Widened to a plain shape: the handler re-reads its arguments through typed schemas below. Loose, so
      // that a `path` sent over HTTP (where it is not offered) gets its own clear error, not "no document".
      const inputSchema = z.looseObject({
        ...documentArgumentShape(context.localFiles),
        ...definition.shape,
      } as z.ZodRawShape);
      server.registerTool(
        definition.name,
        {
          title: definition.title,
          description: definition.description,
          inputSchema,
          // `structuredContent` of a successful call is the `/v1/ocr` answer.
          outputSchema: ocrResponseSchema,
          annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
        },
        async (args, extra) => {
          const requestId = context.nextRequestId();
          const tracked = context.trackCall?.(extra.requestId);
          const signal = tracked ? AbortSignal.any([extra.signal, tracked.signal]) : extra.signal;
          try {
            const document = documentArgumentsOf(args);
            const request: OcrRequest = {
              ...definition.options(ownArguments.parse(args)),
              task: definition.task,
              pages: document.pages,
            };
            const source = await documentSourceOf(document, {
              localFiles: context.localFiles,
              maxBytes: deps.config.MAX_BODY_BYTES,
            });
            const job = await prepareOcrJob(deps, {
              request,
              source,
              shape: "json",
              requestId,
              signal,
              ...(context.onTask ? { onTask: context.onTask } : {}),
              ...(context.cache ? { cache: context.cache } : {}),
            });
            const response = await job.run(pageProgress(extra, job.pageCount));
            return ocrToolResult(definition.render(response), response);
          } catch (error) {
            return toolErrorResult(error, deps.logger, { requestId, tool: definition.name });
          } finally {
            tracked?.release();
          }
        },
      );
    },
  };
}
