import { createRemoteJWKSet, type JWTPayload, errors as joseErrors, jwtVerify } from "jose";

export interface JwtSettings {
  secret?: string | undefined;
  jwksUrl?: string | undefined;
  issuer?: string | undefined;
  audience?: string | undefined;
}

export type JwtCheck = { ok: true; subject: string; payload: JWTPayload } | { ok: false; reason: string };

/** Asymmetric algorithms accepted with a JWKS; never HS* there (algorithm confusion) and never `none`. */
const JWKS_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
];

/**
 * Verifies bearer JWTs with jose: HS256 with a shared secret, or the keys of a JWKS URL (fetched and cached
 * by jose). Signature, `exp`/`nbf` (with 30 s tolerance) and, when configured, `iss` and `aud` are checked.
 * Returns undefined when no JWT setting is configured.
 */
export function createJwtVerifier(settings: JwtSettings): ((token: string) => Promise<JwtCheck>) | undefined {
  if (!settings.secret && !settings.jwksUrl) return undefined;
  const key = settings.jwksUrl
    ? createRemoteJWKSet(new URL(settings.jwksUrl), { timeoutDuration: 5_000 })
    : new TextEncoder().encode(settings.secret);
  const algorithms = settings.jwksUrl ? JWKS_ALGORITHMS : ["HS256"];
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, key as Parameters<typeof jwtVerify>[1], {
        algorithms,
        clockTolerance: 30,
        requiredClaims: ["exp"],
        ...(settings.issuer ? { issuer: settings.issuer } : {}),
        ...(settings.audience ? { audience: settings.audience } : {}),
      });
      return { ok: true, subject: payload.sub ?? "jwt", payload };
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) return { ok: false, reason: "the token has expired" };
      if (error instanceof joseErrors.JWTClaimValidationFailed)
        return { ok: false, reason: `claim check failed (${error.claim})` };
      return { ok: false, reason: "the token is invalid" };
    }
  };
}
