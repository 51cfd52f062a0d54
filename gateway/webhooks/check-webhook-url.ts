import { BadRequestError, GatewayError } from "../errors.ts";
import { parseTarget } from "../fetching/fetch-remote-file.ts";

/**
 * Validates a caller's `webhook_url` when a job or batch is created, with the document fetcher's rules
 * (http(s), no credentials, no literal private or loopback host unless allow-listed), so a bad URL is a 400
 * now rather than a silent failure when the job ends. Delivery checks the resolved address again.
 */
export function checkWebhookUrl(raw: string, allowedPrivateHosts: readonly string[]): string {
  try {
    return parseTarget(raw, new Set(allowedPrivateHosts.map((host) => host.toLowerCase()))).toString();
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    throw new BadRequestError(
      error.code === "url_not_allowed" ? "webhook_url_not_allowed" : "invalid_webhook_url",
      `\`webhook_url\`: ${error.message}`,
      { param: "webhook_url" },
    );
  }
}

/**
 * A caller's optional `webhook_url`, checked: refused (400 `webhooks_not_configured`) when the gateway has no
 * WEBHOOK_SECRET to sign events with, else checked by `checkWebhookUrl`.
 */
export function checkWebhookUrlOption(
  url: string | null | undefined,
  options: { webhooksEnabled: boolean; allowedPrivateHosts: readonly string[] },
): string | null {
  if (url == null) return null;
  if (!options.webhooksEnabled) {
    throw new BadRequestError(
      "webhooks_not_configured",
      "Set WEBHOOK_SECRET on the gateway to use `webhook_url`.",
      {
        param: "webhook_url",
      },
    );
  }
  return checkWebhookUrl(url, options.allowedPrivateHosts);
}
