import { Webhook } from "standardwebhooks";

/** The three Standard Webhooks headers that authenticate one delivery attempt. */
export type SignatureHeaders = Record<"webhook-id" | "webhook-timestamp" | "webhook-signature", string>;

export type SignWebhook = (eventId: string, payload: string, at: Date) => SignatureHeaders;

/**
 * Signs webhook payloads per the Standard Webhooks spec (https://www.standardwebhooks.com/): HMAC-SHA256 over
 * `{id}.{timestamp}.{payload}` with the `whsec_…` secret, sent as `webhook-signature: v1,<base64>`. OpenAI
 * signs its own webhooks this way, so `openai.webhooks.unwrap(body, headers, secret)` verifies ours. The
 * `standardwebhooks` package (the spec authors' reference library) does the signing; the id stays the same on
 * every retry of one event so receivers can de-duplicate, the timestamp is the attempt's.
 */
export function createWebhookSigner(secret: string): SignWebhook {
  const webhook = new Webhook(secret);
  return function signWebhook(eventId, payload, at) {
    return {
      "webhook-id": eventId,
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": webhook.sign(eventId, at, payload),
    };
  };
}

/** True for a `whsec_` secret whose remainder is base64 of at least 24 bytes (what both signer and SDK need). */
export function isWebhookSecret(value: string): boolean {
  if (!value.startsWith("whsec_")) return false;
  const encoded = value.slice("whsec_".length);
  return /^[A-Za-z0-9+/]+={0,2}$/.test(encoded) && Buffer.from(encoded, "base64").length >= 24;
}
