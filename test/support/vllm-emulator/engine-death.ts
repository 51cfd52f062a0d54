import type { EmulatorCore } from "./emulator-core.ts";
import { VllmError } from "./errors.ts";

/** `EngineDeadError`'s text, as vLLM puts it into a stream's error event. */
export const ENGINE_DEAD_MESSAGE =
  "EngineCore encountered an issue. See stack trace (above) for the root cause.";

/**
 * What happens in vLLM when its engine core dies: `/health` answers 503, every request the engine holds
 * (running or waiting) fails at once — streams with an error event then `[DONE]`, others with an empty 500 —
 * new requests get the empty 500, and the API server's watchdog (every 5 s) shuts the listener down. The
 * error event's type is `BadRequestError`/400 before 0.14 and `InternalServerError`/500 from 0.14.
 */
export function failEverything(core: EmulatorCore): void {
  core.engineDead = true;
  core.healthy = false;
  const status = core.features.validationParam ? 500 : 400;
  const error = new VllmError(ENGINE_DEAD_MESSAGE, status);
  core.scheduler.clear();
  for (const run of [...core.runs]) run.failEngineDead(error);
}
