import { randomBytes } from "node:crypto";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { buildWebhookEvent } from "../../gateway/webhooks/webhook-event.ts";
import { createWebhookSigner, isWebhookSecret } from "../../gateway/webhooks/webhook-signer.ts";

const secret = `whsec_${randomBytes(32).toString("base64")}`;
const client = new OpenAI({ apiKey: "unused" });

describe("webhook signatures", () => {
  it("are verified by the openai SDK's webhooks.unwrap", async () => {
    const event = buildWebhookEvent("batch.completed", "batch_abc", new Date());
    const payload = JSON.stringify(event);
    const headers = createWebhookSigner(secret)(event.id, payload, new Date());
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const unwrapped = await client.webhooks.unwrap(payload, headers, secret);
    expect(unwrapped).toEqual({
      id: event.id,
      object: "event",
      type: "batch.completed",
      created_at: expect.any(Number),
      data: { id: "batch_abc" },
    });
  });

  it("fail verification with another secret, a changed body or an old timestamp", async () => {
    const sign = createWebhookSigner(secret);
    const payload = JSON.stringify(buildWebhookEvent("batch.failed", "batch_x", new Date()));
    const headers = sign("evt_1", payload, new Date());
    const other = `whsec_${randomBytes(32).toString("base64")}`;
    await expect(client.webhooks.unwrap(payload, headers, other)).rejects.toThrow(/signature/);
    await expect(client.webhooks.unwrap(`${payload} `, headers, secret)).rejects.toThrow(/signature/);
    const old = sign("evt_1", payload, new Date(Date.now() - 3600_000));
    await expect(client.webhooks.unwrap(payload, old, secret)).rejects.toThrow(/too old/);
  });

  it("accept only whsec_ secrets of at least 24 bytes", () => {
    expect(isWebhookSecret(secret)).toBe(true);
    expect(isWebhookSecret(`whsec_${randomBytes(8).toString("base64")}`)).toBe(false);
    expect(isWebhookSecret("plain-secret-without-prefix-0123456789")).toBe(false);
  });
});
