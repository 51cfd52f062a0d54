import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from "jose";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../support/gateway-harness.ts";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";

let emulator: VllmEmulator;
const running: RunningGateway[] = [];

beforeAll(async () => {
  emulator = await VllmEmulator.start();
});
afterEach(async () => {
  for (const gateway of running.splice(0)) await gateway.close();
});
afterAll(async () => {
  await emulator.close();
});

async function gateway(env: Record<string, string>): Promise<RunningGateway> {
  const started = await startGateway({ VLLM_URL: emulator.url, ...env });
  running.push(started);
  return started;
}

const models = (gw: RunningGateway, headers: Record<string, string> = {}) =>
  fetch(`${gw.url}/v1/models`, { headers });

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

describe("API keys", () => {
  it("lets everyone in when no credentials are configured", async () => {
    const gw = await gateway({});
    expect((await models(gw)).status).toBe(200);
  });

  it("requires a valid key on /v1 routes, by Bearer or x-api-key, and leaves health open", async () => {
    const gw = await gateway({ API_KEYS: "alpha-key-123,beta-key-456" });
    const missing = await models(gw);
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(await errorCode(missing)).toBe("missing_api_key");
    const wrong = await models(gw, { authorization: "Bearer alpha-key-124" });
    expect([wrong.status, await errorCode(wrong)]).toEqual([401, "invalid_api_key"]);
    expect((await models(gw, { authorization: "Bearer beta-key-456" })).status).toBe(200);
    expect((await models(gw, { "x-api-key": "alpha-key-123" })).status).toBe(200);
    const ocr = await fetch(`${gw.url}/v1/ocr`, { method: "POST" });
    expect(ocr.status).toBe(401);
    expect((await fetch(`${gw.url}/health`)).status).toBe(200);
    expect((await fetch(`${gw.url}/ready`)).status).toBe(200);
    expect(gw.rawLogs()).not.toContain("alpha-key");

    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "alpha-key-123" });
    expect((await client.models.list()).data.length).toBeGreaterThan(0);
    const denied = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "nope", maxRetries: 0 });
    await expect(denied.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it("reads hashed keys from API_KEYS_FILE", async () => {
    const folder = mkdtempSync(path.join(tmpdir(), "keys-"));
    try {
      const digest = createHash("sha256").update("file-key-789").digest("hex");
      const file = path.join(folder, "keys.txt");
      writeFileSync(file, `# team keys\nscanner-01 sha256:${digest}\n\n`);
      const gw = await gateway({ API_KEYS_FILE: file });
      expect((await models(gw, { authorization: "Bearer file-key-789" })).status).toBe(200);
      expect((await models(gw, { authorization: `Bearer ${digest}` })).status).toBe(401);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("rate-limits per key with 429 and retry-after", async () => {
    const gw = await gateway({ API_KEYS: "one,two", RATE_LIMIT_PER_MINUTE: "2" });
    const one = { authorization: "Bearer one" };
    expect((await models(gw, one)).status).toBe(200);
    expect((await models(gw, one)).status).toBe(200);
    const limited = await models(gw, one);
    expect([limited.status, await errorCode(limited)]).toEqual([429, "rate_limited"]);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await models(gw, { authorization: "Bearer two" })).status).toBe(200);
  });
});

describe("JWT", () => {
  const secret = "a-long-shared-secret-for-hs256-tests";
  const sign = (claims: Record<string, unknown>, expiresIn = "5m") =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("user-1")
      .setIssuer("https://issuer.test")
      .setAudience("ocr")
      .setExpirationTime(expiresIn)
      .sign(new TextEncoder().encode(secret));

  it("accepts a valid HS256 token and rejects expired, wrong-audience, unsigned and forged ones", async () => {
    const gw = await gateway({ JWT_SECRET: secret, JWT_ISSUER: "https://issuer.test", JWT_AUDIENCE: "ocr" });
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    expect((await models(gw, bearer(await sign({})))).status).toBe(200);

    const expired = await models(gw, bearer(await sign({}, "-2m")));
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as { error: { message: string } }).error.message).toMatch(/expired/);

    const wrongAudience = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("https://issuer.test")
      .setAudience("someone-else")
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(secret));
    expect((await models(gw, bearer(wrongAudience))).status).toBe(401);

    const unsigned = new UnsecuredJWT({ sub: "x" })
      .setIssuer("https://issuer.test")
      .setAudience("ocr")
      .setExpirationTime("5m")
      .encode();
    expect((await models(gw, bearer(unsigned))).status).toBe(401);

    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("https://issuer.test")
      .setAudience("ocr")
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode("not-the-secret-not-the-secret!!"));
    const rejected = await models(gw, bearer(forged));
    expect([rejected.status, await errorCode(rejected)]).toEqual([401, "invalid_token"]);
  });

  describe("with a JWKS URL", () => {
    let jwks: Server;
    let jwksUrl: string;
    let privateKey: CryptoKey;
    let publicJwk: Record<string, unknown>;

    beforeAll(async () => {
      const pair = await generateKeyPair("RS256", { extractable: true });
      privateKey = pair.privateKey;
      publicJwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
      jwks = createServer((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [publicJwk] }));
      });
      await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
      jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
    });
    afterAll(() => new Promise<void>((resolve) => jwks.close(() => resolve())));

    it("accepts RS256 tokens from the key set and refuses HS256 tokens keyed with the public key", async () => {
      const gw = await gateway({ JWT_JWKS_URL: jwksUrl });
      const good = await new SignJWT({})
        .setProtectedHeader({ alg: "RS256", kid: "k1" })
        .setSubject("svc")
        .setExpirationTime("5m")
        .sign(privateKey);
      expect((await models(gw, { authorization: `Bearer ${good}` })).status).toBe(200);

      // Algorithm confusion: an HS256 token whose HMAC key is the public key's text.
      const confused = await new SignJWT({})
        .setProtectedHeader({ alg: "HS256", kid: "k1" })
        .setExpirationTime("5m")
        .sign(new TextEncoder().encode(JSON.stringify(publicJwk)));
      expect((await models(gw, { authorization: `Bearer ${confused}` })).status).toBe(401);
    });
  });
});

describe("metrics token", () => {
  it("protects /metrics with its own token", async () => {
    const gw = await gateway({ METRICS_TOKEN: "scrape-me", API_KEYS: "k" });
    expect((await fetch(`${gw.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${gw.url}/metrics`, { headers: { authorization: "Bearer k" } })).status).toBe(401);
    const ok = await fetch(`${gw.url}/metrics`, { headers: { authorization: "Bearer scrape-me" } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("ocr_gateway_requests_total");
  });
});
