import { describe, expect, it } from "vitest";
import {
  BadGatewayError,
  BadRequestError,
  ClientAbortedError,
  InternalError,
  toGatewayError,
} from "../gateway/errors.ts";
import { UpstreamTimeout } from "../gateway/upstream/upstream-timeouts.ts";

describe("gateway errors", () => {
  it("are named after their class, so logs and stack traces say which one it is", () => {
    expect(new BadRequestError("x", "y").name).toBe("BadRequestError");
    expect(new BadGatewayError("x", "y").name).toBe("BadGatewayError");
    expect(new UpstreamTimeout("idle", 5).name).toBe("UpstreamTimeout");
    expect(new ClientAbortedError().name).toBe("ClientAbortedError");
    expect(String(new BadRequestError("bad_thing", "Bad thing."))).toBe("BadRequestError: Bad thing.");
  });

  it("turn unknown errors into a 500 at one place, keeping client aborts what they are", () => {
    const known = new BadRequestError("x", "y");
    expect(toGatewayError(known)).toBe(known);
    const unknown = toGatewayError(new TypeError("secret internals"));
    expect(unknown).toBeInstanceOf(InternalError);
    expect(unknown.message).toBe("Internal server error");
    const controller = new AbortController();
    controller.abort(new ClientAbortedError());
    expect(toGatewayError(new Error("socket hang up"), controller.signal)).toBeInstanceOf(ClientAbortedError);
  });
});
