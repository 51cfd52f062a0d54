/** Whom an upstream error answer is about. */
export type ErrorAnswerVerdict =
  /** The request's content: the replica is fine (4xx, or a 500 with a body raised by this request alone). */
  | "request"
  /** The replica cannot take work now (502/503/504, from it or a proxy in front of it). */
  | "replica"
  /** The replica's engine died: every request it holds fails and it will stop listening. */
  | "engine_dead";

/** vLLM's `EngineDeadError` text, in error bodies and in stream error events. */
const ENGINE_DEATH = /EngineCore encountered an issue|EngineDeadError|engine (core )?(is )?dead/i;

/** True when an upstream error message says the engine died. */
export function isEngineDeathMessage(message: string): boolean {
  return ENGINE_DEATH.test(message);
}

/**
 * Tells a replica's failure from a request's: only 502/503/504 and engine-death signatures (vLLM's empty-bodied
 * 500 from its `EngineDeadError` handler, or a message naming the dead engine) count against the replica. A
 * plain 500 with a body is an exception one request raised (vLLM before 0.19 answers a corrupt image that way),
 * so one client's bad input can never eject a healthy replica.
 */
export function judgeErrorAnswer(status: number, body: string): ErrorAnswerVerdict {
  if (status === 502 || status === 503 || status === 504) return "replica";
  if (status >= 500 && (body.trim() === "" || isEngineDeathMessage(body))) return "engine_dead";
  return "request";
}
