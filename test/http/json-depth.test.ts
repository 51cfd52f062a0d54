import { describe, expect, it } from "vitest";
import { useOcrGateway } from "../support/ocr-fixtures.ts";

const bed = useOcrGateway();

describe("deeply nested JSON bodies", () => {
  it.each(["/v1/chat/completions", "/v1/ocr"])(
    "get a 400 json_too_deep on %s, never a 500",
    async (route) => {
      const deep = `${"[".repeat(5_000)}${"]".repeat(5_000)}`;
      const response = await fetch(`${bed.gateway.url}${route}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: `{"messages":${deep},"document":${deep}}`,
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: "json_too_deep" } });
      expect(bed.gateway.logs.filter((log) => (log.level as number) >= 50)).toEqual([]);
      expect(bed.emulator.chatRequests).toHaveLength(0);
    },
  );

  it("gets a 400 in a multipart JSON field too", async () => {
    const form = new FormData();
    form.set("file", new Blob([new Uint8Array([0xff, 0xd8, 0xff])], { type: "image/jpeg" }), "x.jpg");
    form.set("variables", `{"a":${"[".repeat(5_000)}${"]".repeat(5_000)}}`);
    const response = await fetch(`${bed.gateway.url}/v1/ocr`, { method: "POST", body: form });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: "json_too_deep" } });
  });
});
