const REASONS: Record<string, string> = {
  ENOTFOUND: "DNS lookup failed (no such host)",
  EAI_AGAIN: "DNS lookup failed (temporary failure, try again)",
  EAI_FAIL: "DNS lookup failed",
  ECONNREFUSED: "connection refused (nothing listens on that port)",
  ECONNRESET: "connection reset by the server",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ETIMEDOUT: "connection timed out",
  EPIPE: "connection closed by the server",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
  UND_ERR_HEADERS_TIMEOUT: "no answer in time",
  UND_ERR_BODY_TIMEOUT: "the answer stalled",
  UND_ERR_SOCKET: "connection closed by the server",
  CERT_HAS_EXPIRED: "TLS certificate expired",
  DEPTH_ZERO_SELF_SIGNED_CERT: "TLS certificate is self-signed",
  SELF_SIGNED_CERT_IN_CHAIN: "TLS certificate chain is self-signed",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "TLS certificate cannot be verified",
  ERR_TLS_CERT_ALTNAME_INVALID: "TLS certificate is for another host name",
  EPROTO: "TLS handshake failed",
};

/** The errors an error wraps: its `cause` chain and, for Node's happy-eyeballs AggregateError, each attempt. */
function* causes(error: unknown): Generator<unknown> {
  const seen = new Set<unknown>();
  const pending = [error];
  while (pending.length > 0) {
    const next = pending.shift();
    if (next == null || seen.has(next)) continue;
    seen.add(next);
    yield next;
    if (next instanceof AggregateError) pending.push(...next.errors);
    if (typeof next === "object" && "cause" in next) pending.push(next.cause);
  }
}

/**
 * Why a connection to a server failed, in a few words a user can act on ("DNS lookup failed (no such host)",
 * "connection refused (…)", "TLS certificate expired"), from the system or undici error code anywhere in the
 * error's causes. Never includes request content; falls back to the innermost error's message.
 */
export function describeConnectionError(error: unknown): string {
  let innermost: unknown = error;
  for (const cause of causes(error)) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string" && REASONS[code] !== undefined) return REASONS[code];
    if ((cause as { name?: unknown }).name === "TimeoutError") return "no answer in time";
    innermost = cause;
  }
  return innermost instanceof Error && innermost.message !== "" ? innermost.message : "connection failed";
}
