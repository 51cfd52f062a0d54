import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import { Agent, errors as undiciErrors } from "undici";
import {
  BadRequestError,
  GatewayError,
  GatewayTimeoutError,
  PayloadTooLargeError,
  PermissionDeniedError,
  UnsupportedMediaTypeError,
} from "../errors.ts";
import { isForbiddenAddress } from "./address-policy.ts";
import { describeConnectionError } from "./describe-connection-error.ts";

export interface RemoteFetchPolicy {
  maxBytes: number;
  timeoutMs: number;
  maxRedirects: number;
  /** Hosts (names or IP literals) that may resolve to private addresses, e.g. an internal document store. */
  allowedPrivateHosts: readonly string[];
  /** Media types accepted from the `content-type` header; `application/octet-stream` is always accepted. */
  acceptedTypes: RegExp;
}

export interface RemoteFile {
  bytes: Buffer;
  contentType: string;
}

class ForbiddenAddressError extends Error {
  override readonly name = "ForbiddenAddressError";
  readonly code = "ERR_FORBIDDEN_ADDRESS";
}

/** A DNS lookup that refuses forbidden addresses at connect time, so DNS rebinding cannot slip past (webhooks use it too). */
export function guardedLookup(allowed: ReadonlySet<string>): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, "", 0);
      const list = addresses as LookupAddress[];
      if (!allowed.has(hostname.toLowerCase()) && list.some((entry) => isForbiddenAddress(entry.address))) {
        return callback(new ForbiddenAddressError(`${hostname} resolves to a private address`), "", 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      const first = list[0];
      if (!first) return callback(new Error(`${hostname} has no address`), "", 0);
      callback(null, first.address, first.family);
    });
  };
}

/** Parses an http(s) URL and refuses credentials and literal private/loopback hosts not in `allowed`. */
export function parseTarget(raw: string, allowed: ReadonlySet<string>): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BadRequestError("invalid_url", "The document URL is not a valid URL.");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new BadRequestError("invalid_url", `Only http(s) URLs can be fetched, not ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new BadRequestError("invalid_url", "URLs with credentials are not fetched.");
  }
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (
    !allowed.has(host) &&
    (host === "localhost" || host.endsWith(".localhost") || (isIP(host) !== 0 && isForbiddenAddress(host)))
  ) {
    throw new PermissionDeniedError("url_not_allowed", "The URL points at a private or loopback address.");
  }
  return url;
}

function isForbidden(error: unknown): boolean {
  for (let cause: unknown = error; cause; cause = (cause as { cause?: unknown }).cause) {
    if (cause instanceof ForbiddenAddressError) return true;
  }
  return false;
}

/**
 * Fetches an image or document URL on the caller's behalf, safely: http(s) only, every hop (redirects
 * included) resolved and refused when it reaches a private, loopback, link-local or metadata address, a
 * redirect limit, a byte cap enforced while streaming, a total time limit and a content-type check.
 */
export function createRemoteFileFetcher(policy: RemoteFetchPolicy) {
  const allowed = new Set(policy.allowedPrivateHosts.map((host) => host.toLowerCase()));
  const agent = new Agent({ connect: { lookup: guardedLookup(allowed), timeout: policy.timeoutMs } });

  async function fetchRemoteFile(raw: string, signal?: AbortSignal): Promise<RemoteFile> {
    const timeout = AbortSignal.timeout(policy.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let url = parseTarget(raw, allowed);
    try {
      for (let hop = 0; ; hop++) {
        const response = await agent.request({
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: "GET",
          signal: combined,
          headers: { accept: "image/*,application/pdf,video/*;q=0.5,*/*;q=0.1", "user-agent": "ocr-gateway" },
        });
        if (response.statusCode >= 300 && response.statusCode < 400 && response.headers.location) {
          await response.body.dump();
          if (hop >= policy.maxRedirects) {
            throw new BadRequestError(
              "too_many_redirects",
              `The URL redirected more than ${policy.maxRedirects} times.`,
            );
          }
          url = parseTarget(new URL(String(response.headers.location), url).toString(), allowed);
          continue;
        }
        if (response.statusCode !== 200) {
          await response.body.dump();
          throw new BadRequestError(
            "remote_fetch_failed",
            `Fetching the URL failed: ${url.host} answered HTTP ${response.statusCode}.`,
          );
        }
        const contentType =
          String(response.headers["content-type"] ?? "application/octet-stream")
            .split(";")[0]
            ?.trim() ?? "";
        if (contentType !== "application/octet-stream" && !policy.acceptedTypes.test(contentType)) {
          await response.body.dump();
          throw new UnsupportedMediaTypeError(
            "unsupported_media_type",
            `The URL served ${contentType}, not an image or PDF.`,
          );
        }
        const declared = Number(response.headers["content-length"] ?? 0);
        if (declared > policy.maxBytes) {
          await response.body.dump();
          throw new PayloadTooLargeError(
            "remote_file_too_large",
            `The remote file is larger than ${policy.maxBytes} bytes.`,
          );
        }
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of response.body) {
          size += chunk.byteLength;
          if (size > policy.maxBytes) {
            response.body.destroy();
            throw new PayloadTooLargeError(
              "remote_file_too_large",
              `The remote file is larger than ${policy.maxBytes} bytes.`,
            );
          }
          chunks.push(chunk);
        }
        return { bytes: Buffer.concat(chunks), contentType };
      }
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      if (isForbidden(error))
        throw new PermissionDeniedError(
          "url_not_allowed",
          "The URL points at a private or loopback address.",
        );
      if (timeout.aborted || error instanceof undiciErrors.ConnectTimeoutError) {
        throw new GatewayTimeoutError(
          "remote_fetch_timeout",
          `Fetching the URL took longer than ${policy.timeoutMs} ms.`,
        );
      }
      if (signal?.aborted) throw error;
      throw new BadRequestError(
        "remote_fetch_failed",
        `Fetching the URL failed: ${url.host}: ${describeConnectionError(error)}.`,
        { cause: error },
      );
    }
  }

  return { fetchRemoteFile, close: () => agent.close() };
}

export type RemoteFileFetcher = ReturnType<typeof createRemoteFileFetcher>;
