import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { EmulatorCore } from "./emulator-core.ts";
import { sendEmpty, sendJson } from "./http-io.ts";

/** GET /v1/models: one card per served name, `root` = the model path. */
export function handleModels(core: EmulatorCore, res: ServerResponse): void {
  const { servedModelNames, maxModelLen, modelPath } = core.options;
  const created = Math.floor(Date.now() / 1000);
  sendJson(res, 200, {
    object: "list",
    data: servedModelNames.map((name) => ({
      id: name,
      object: "model",
      created,
      owned_by: "vllm",
      root: modelPath,
      parent: null,
      max_model_len: maxModelLen,
      permission: [
        {
          id: `modelperm-${randomBytes(16).toString("hex")}`,
          object: "model_permission",
          created,
          allow_create_engine: false,
          allow_sampling: true,
          allow_logprobs: true,
          allow_search_indices: false,
          allow_view: true,
          allow_fine_tuning: false,
          organization: "*",
          group: null,
          is_blocking: false,
        },
      ],
    })),
  });
}

/** GET /health and /ping: 200 with an empty body, 503 once the engine is dead. */
export function handleHealth(core: EmulatorCore, res: ServerResponse): void {
  sendEmpty(res, core.healthy ? 200 : 503);
}

/** GET /version. */
export function handleVersion(core: EmulatorCore, res: ServerResponse): void {
  sendJson(res, 200, { version: core.options.version });
}

/** GET /metrics: gauges read live from the scheduler. */
export function handleMetrics(core: EmulatorCore, res: ServerResponse): void {
  const { maxModelLen, maxNumSeqs } = core.options;
  // A simulated KV cache of min(maxNumSeqs, 16) full contexts.
  const kvCapacity = maxModelLen * Math.min(maxNumSeqs, 16);
  const text = core.metrics.render({
    running: core.scheduler.running,
    waiting: core.scheduler.waiting,
    kvCacheUsage: Math.min(1, core.kvTokens / kvCapacity),
  });
  res.writeHead(200, {
    "content-type": "text/plain; version=0.0.4; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}
