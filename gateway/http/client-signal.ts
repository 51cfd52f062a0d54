import type { Context } from "hono";
import { ClientAbortedError } from "../errors.ts";

const signals = new WeakMap<Request, AbortSignal>();

/**
 * The request's "client went away" signal, for everything the request starts (fetches, renders, upstream
 * calls). The Node adapter aborts `c.req.raw.signal` with a plain string; this one aborts with a
 * `ClientAbortedError`, so wherever the abort surfaces it is recognised as the client's doing (see
 * `error-handler.ts` and `access-log.ts`). One signal per request.
 */
export function clientSignal(c: Context): AbortSignal {
  const raw = c.req.raw;
  const known = signals.get(raw);
  if (known) return known;
  const controller = new AbortController();
  const abort = () => controller.abort(new ClientAbortedError({ cause: raw.signal.reason }));
  if (raw.signal.aborted) abort();
  else raw.signal.addEventListener("abort", abort, { once: true });
  signals.set(raw, controller.signal);
  return controller.signal;
}

/** True once the client closed the connection (whatever error that caused downstream). */
export function clientGone(c: Context): boolean {
  return c.req.raw.signal.aborted;
}
