import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../gateway/config/load-config.ts";

describe("loadConfig", () => {
  it("has working defaults with no environment", () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(8000);
    expect(config.MODEL).toBe("tencent/HunyuanOCR");
    expect(config.MODEL_ALIASES).toContain("hunyuan-ocr");
    expect(config.VLLM_URL).toEqual([]);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("splits VLLM_URL lists and strips a trailing /v1", () => {
    const config = loadConfig({ VLLM_URL: "http://gpu-a:8000/v1, http://gpu-b:8000/" });
    expect(config.VLLM_URL).toEqual(["http://gpu-a:8000", "http://gpu-b:8000"]);
  });

  it("treats empty values as unset", () => {
    expect(loadConfig({ PORT: "", VLLM_API_KEY: "" })).toMatchObject({ PORT: 8000, VLLM_API_KEY: undefined });
  });

  it("lets --flags override the environment", () => {
    const config = loadConfig({ PORT: "9000" }, ["--port", "9100", "--vllm-url", "http://127.0.0.1:8001"]);
    expect(config.PORT).toBe(9100);
    expect(config.VLLM_URL).toEqual(["http://127.0.0.1:8001"]);
  });

  it("names the variable and flag to fix", () => {
    expect(() => loadConfig({ PORT: "eighty" })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: "eighty" })).toThrow(/PORT \(--port\)/);
    expect(() => loadConfig({ VLLM_URL: "gpu-a:8000" })).toThrow(
      /VLLM_URL \(--vllm-url\).*not an http\(s\) URL/,
    );
    expect(() => loadConfig({ APPLY_MODEL_DEFAULTS: "maybe" })).toThrow(/APPLY_MODEL_DEFAULTS/);
  });

  it("refuses a JWT_SECRET shorter than 32 bytes, naming the variable", () => {
    expect(() => loadConfig({ JWT_SECRET: "a" })).toThrow(/JWT_SECRET \(--jwt-secret\).*at least 32 bytes/);
    expect(() => loadConfig({ JWT_SECRET: "x".repeat(31) })).toThrow(ConfigError);
    expect(loadConfig({ JWT_SECRET: "x".repeat(32) }).JWT_SECRET).toHaveLength(32);
  });

  it("rejects unknown flags, listing the known ones", () => {
    expect(() => loadConfig({}, ["--prot", "1"])).toThrow(/Known flags: .*--port/);
  });

  it("turns auto-rotation on by default; AUTO_ROTATE=off or --auto-rotate off turns it off", () => {
    expect(loadConfig({})).toMatchObject({ AUTO_ROTATE: true, AUTO_ROTATE_WORKERS: 1 });
    expect(loadConfig({ AUTO_ROTATE: "off" }).AUTO_ROTATE).toBe(false);
    expect(loadConfig({}, ["--auto-rotate", "off", "--auto-rotate-workers", "2"])).toMatchObject({
      AUTO_ROTATE: false,
      AUTO_ROTATE_WORKERS: 2,
    });
    expect(() => loadConfig({ AUTO_ROTATE: "maybe" })).toThrow(/AUTO_ROTATE \(--auto-rotate\)/);
    expect(() => loadConfig({ AUTO_ROTATE_WORKERS: "0" })).toThrow(/AUTO_ROTATE_WORKERS/);
  });

  it("reads the cache and Redis settings: on by default, CACHE=off, a redis:// URL only", () => {
    expect(loadConfig({})).toMatchObject({
      CACHE: true,
      CACHE_SCOPE: "owner",
      REDIS_KEY_PREFIX: "ocr-gateway:",
    });
    expect(loadConfig({}).REDIS_URL).toBeUndefined();
    expect(loadConfig({}, ["--cache", "off", "--cache-scope", "global"])).toMatchObject({
      CACHE: false,
      CACHE_SCOPE: "global",
    });
    expect(() => loadConfig({ CACHE_SCOPE: "tenant" })).toThrow(/CACHE_SCOPE \(--cache-scope\)/);
    expect(() => loadConfig({ REDIS_URL: "127.0.0.1:6379" })).toThrow(/REDIS_URL \(--redis-url\)/);
    expect(() => loadConfig({ CACHE_TTL: "0" })).toThrow(/CACHE_TTL/);
  });
});
