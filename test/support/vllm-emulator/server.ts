import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { type EmulatorCore, record } from "./emulator-core.ts";
import { errorBody, UncaughtServerError, VllmError } from "./errors.ts";
import { parseJsonRequest, readBody, sendJson } from "./http-io.ts";
import { handleChatCompletion } from "./routes-chat.ts";
import { handleCompletion } from "./routes-completions.ts";
import { handleHealth, handleMetrics, handleModels, handleVersion } from "./routes-info.ts";
import type { RecordedRequest } from "./types.ts";

type Handler = (
  core: EmulatorCore,
  req: IncomingMessage,
  res: ServerResponse,
  recorded: RecordedRequest,
  arrivedAt: number,
) => void | Promise<void>;

const chatPath = "/v1/chat/completions";

const routes: Record<string, Record<string, Handler>> = {
  [chatPath]: {
    POST: (core, req, res, recorded, arrivedAt) =>
      handleChatCompletion(
        core,
        req,
        res,
        parseJsonRequest(req.headers["content-type"], recorded.rawBody),
        arrivedAt,
      ),
  },
  "/v1/completions": {
    POST: (core, req, res, recorded, arrivedAt) =>
      handleCompletion(
        core,
        req,
        res,
        parseJsonRequest(req.headers["content-type"], recorded.rawBody),
        arrivedAt,
      ),
  },
  "/v1/models": { GET: (core, _req, res) => handleModels(core, res) },
  "/health": { GET: (core, _req, res) => handleHealth(core, res) },
  "/ping": {
    GET: (core, _req, res) => handleHealth(core, res),
    POST: (core, _req, res) => handleHealth(core, res),
  },
  "/version": { GET: (core, _req, res) => handleVersion(core, res) },
  "/metrics": { GET: (core, _req, res) => handleMetrics(core, res) },
};

/** vLLM's AuthenticationMiddleware: only paths under /v1, `Authorization: Bearer <key>`, constant time. */
function authorized(core: EmulatorCore, req: IncomingMessage, path: string): boolean {
  const apiKey = core.options.apiKey;
  if (apiKey === undefined || !path.startsWith("/v1") || req.method === "OPTIONS") return true;
  const given = Buffer.from(req.headers.authorization ?? "");
  const expected = Buffer.from(`Bearer ${apiKey}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function recordRequest(core: EmulatorCore, req: IncomingMessage, path: string, raw: Buffer): RecordedRequest {
  const rawBody = raw.toString("utf8");
  let body: unknown;
  if (rawBody.length > 0) {
    try {
      body = JSON.parse(rawBody);
    } catch {
      body = undefined;
    }
  }
  const entry: RecordedRequest = {
    method: req.method ?? "GET",
    path,
    headers: { ...req.headers },
    body,
    rawBody,
    receivedAt: Date.now(),
  };
  record(core.requests, entry, core.options.recordLimit);
  if (path === chatPath && entry.method === "POST")
    record(core.chatRequests, entry, core.options.recordLimit);
  return entry;
}

async function handleRequest(core: EmulatorCore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const arrivedAt = performance.now();
  const raw = await readBody(req);
  const path = (req.url ?? "/").split("?", 1)[0] ?? "/";
  const recorded = recordRequest(core, req, path, raw);
  if (!authorized(core, req, path)) {
    sendJson(res, 401, { error: "Unauthorized" });
    return;
  }
  const methods = routes[path];
  if (methods === undefined) {
    sendJson(res, 404, { detail: "Not Found" });
    return;
  }
  const handler = methods[recorded.method];
  if (handler === undefined) {
    sendJson(res, 405, { detail: "Method Not Allowed" }, { allow: Object.keys(methods).join(", ") });
    return;
  }
  try {
    await handler(core, req, res, recorded, arrivedAt);
  } catch (error) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof VllmError) {
      sendJson(res, error.status, errorBody(error, core.features.nestedErrors));
      return;
    }
    if (error instanceof UncaughtServerError) {
      res.writeHead(error.status, {
        "content-type": "text/plain; charset=utf-8",
        "content-length": Buffer.byteLength(error.body),
      });
      res.end(error.body);
      return;
    }
    throw error;
  }
}

/** The emulator's HTTP server (not yet listening). */
export function createEmulatorServer(core: EmulatorCore): Server {
  const server = createServer((req, res) => {
    handleRequest(core, req, res).catch((error: unknown) => {
      console.error("vLLM emulator: unexpected error", error);
      if (!res.headersSent) sendJson(res, 500, { detail: "Internal Server Error" });
      else res.destroy();
    });
  });
  // uvicorn closes idle keep-alive connections after 5 s (VLLM_HTTP_TIMEOUT_KEEP_ALIVE).
  server.keepAliveTimeout = 5000;
  return server;
}
