import { Agent } from "undici";
import { GatewayError } from "../errors.ts";
import { guardedLookup, parseTarget } from "../fetching/fetch-remote-file.ts";
import type { SignWebhook } from "./webhook-signer.ts";

/** What one delivery attempt gave: a 2xx, or why not (kept on the delivery for the caller to see). */
export interface WebhookAttemptOutcome {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  /** True when retrying cannot help (the URL is refused by the SSRF policy). */
  permanent: boolean;
}

export interface WebhookSenderOptions {
  sign: SignWebhook;
  timeoutMs: number;
  /** The same allow-list as document fetching (`FETCH_ALLOWED_PRIVATE_HOSTS`). */
  allowedPrivateHosts: readonly string[];
}

function refusedAtConnect(error: unknown): boolean {
  for (let cause: unknown = error; cause; cause = (cause as { cause?: unknown }).cause) {
    if ((cause as { code?: unknown }).code === "ERR_FORBIDDEN_ADDRESS") return true;
  }
  return false;
}

/**
 * POSTs signed events under the document fetcher's SSRF policy: the URL is checked, every connection's
 * resolved address is checked (no DNS rebinding), redirects are not followed (a 3xx is a failed attempt),
 * and each attempt has a time limit. Only a 2xx counts as delivered.
 */
export function createWebhookSender(options: WebhookSenderOptions) {
  const allowed = new Set(options.allowedPrivateHosts.map((host) => host.toLowerCase()));
  const agent = new Agent({ connect: { lookup: guardedLookup(allowed), timeout: options.timeoutMs } });

  async function sendWebhook(
    url: string,
    eventId: string,
    payload: string,
    at: Date,
  ): Promise<WebhookAttemptOutcome> {
    let target: URL;
    try {
      target = parseTarget(url, allowed);
    } catch (error) {
      const code = error instanceof GatewayError ? error.code : "invalid_url";
      return { ok: false, statusCode: null, error: code, permanent: true };
    }
    try {
      const response = await agent.request({
        origin: target.origin,
        path: `${target.pathname}${target.search}`,
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "ocr-gateway-webhooks",
          ...options.sign(eventId, payload, at),
        },
        body: payload,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      await response.body.dump();
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      return {
        ok,
        statusCode: response.statusCode,
        error: ok ? null : `HTTP ${response.statusCode}`,
        permanent: false,
      };
    } catch (error) {
      if (refusedAtConnect(error)) {
        return { ok: false, statusCode: null, error: "url_not_allowed", permanent: true };
      }
      const code = (error as { code?: unknown }).code;
      const reason = typeof code === "string" ? code : (error as Error).name;
      return { ok: false, statusCode: null, error: reason, permanent: false };
    }
  }

  return { sendWebhook, close: () => agent.close() };
}

export type WebhookSender = ReturnType<typeof createWebhookSender>;
export type SendWebhookAttempt = WebhookSender["sendWebhook"];
