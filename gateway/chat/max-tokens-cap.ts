import { BadRequestError } from "../errors.ts";

/** Refuses a requested `max_tokens` above `MAX_TOKENS_CAP` with a 400: never a silent clamp. */
export function assertMaxTokensWithinCap(requested: number | null | undefined, cap: number): void {
  if (requested != null && requested > cap) {
    throw new BadRequestError("max_tokens_too_large", `max_tokens may be at most ${cap} (MAX_TOKENS_CAP).`, {
      param: "max_tokens",
    });
  }
}
