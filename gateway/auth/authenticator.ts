import { AuthenticationError } from "../errors.ts";
import { matchApiKey, type StoredKey } from "./api-keys.ts";
import type { JwtCheck } from "./jwt-verifier.ts";

/** Who made the request: an API key's name or a JWT subject. */
export interface Principal {
  kind: "api_key" | "jwt" | "anonymous";
  id: string;
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export interface Authenticator {
  /** True when no keys and no JWT settings are configured: every request is let in. */
  readonly open: boolean;
  authenticate(credential: string | undefined): Promise<Principal>;
}

/** Checks a presented credential against API keys first, then (if it looks like one) as a JWT. */
export function createAuthenticator(
  keys: readonly StoredKey[],
  verifyJwt: ((token: string) => Promise<JwtCheck>) | undefined,
): Authenticator {
  const open = keys.length === 0 && verifyJwt === undefined;
  return {
    open,
    async authenticate(credential) {
      if (open) return { kind: "anonymous", id: "anonymous" };
      if (credential === undefined || credential === "") {
        throw new AuthenticationError(
          "missing_api_key",
          "Authentication required: send `Authorization: Bearer <key>` or `x-api-key: <key>`.",
          { headers: { "www-authenticate": 'Bearer realm="ocr-gateway"' } },
        );
      }
      const key = matchApiKey(keys, credential);
      if (key) return { kind: "api_key", id: key.name };
      if (verifyJwt && JWT_SHAPE.test(credential)) {
        const check = await verifyJwt(credential);
        if (check.ok) return { kind: "jwt", id: check.subject };
        throw new AuthenticationError("invalid_token", `The bearer token was rejected: ${check.reason}.`, {
          headers: { "www-authenticate": 'Bearer error="invalid_token"' },
        });
      }
      throw new AuthenticationError("invalid_api_key", "The API key is not valid.", {
        headers: { "www-authenticate": 'Bearer realm="ocr-gateway"' },
      });
    },
  };
}
