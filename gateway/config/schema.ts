import { z } from "zod";
import { isWebhookSecret } from "../webhooks/webhook-signer.ts";

const emptyToUndefined = (value: unknown) => (value === "" ? undefined : value);

const integer = (fallback: number, min = 0) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int().min(min).default(fallback));

const flag = (fallback: boolean) =>
  z.preprocess(
    emptyToUndefined,
    z
      .enum(["true", "false", "1", "0", "yes", "no"])
      .default(fallback ? "true" : "false")
      .transform((value) => value === "true" || value === "1" || value === "yes"),
  );

const list = (fallback: string[]) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .optional()
      .transform((value) =>
        value === undefined
          ? fallback
          : value
              .split(",")
              .map((item) => item.trim())
              .filter((item) => item.length > 0),
      ),
  );

const optionalString = z.preprocess(emptyToUndefined, z.string().optional());

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration such as `7d`, `12h`, `30m`, `45s` or `500ms` (a bare number is seconds), as milliseconds. */
const duration = (fallback: string) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .default(fallback)
      .transform((value, ctx) => {
        const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(value.trim());
        if (!match) {
          ctx.addIssue({
            code: "custom",
            message: `"${value}" is not a duration such as 7d, 12h, 30m or 45s`,
          });
          return z.NEVER;
        }
        return Math.round(Number(match[1]) * (DURATION_UNITS_MS[match[2] ?? "s"] ?? 1_000));
      }),
  );

const upstreamUrls = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      const urls = (value ?? "")
        .split(",")
        .map((item) => item.trim().replace(/\/+$/, "").replace(/\/v1$/, ""))
        .filter((item) => item.length > 0);
      for (const url of urls) {
        if (!/^https?:\/\/[^/]+/.test(url)) {
          ctx.addIssue({ code: "custom", message: `"${url}" is not an http(s) URL` });
        }
      }
      return urls;
    }),
);

/**
 * Every setting of the gateway, keyed by its environment variable. The README's configuration table documents
 * each one; `--kebab-case` CLI flags override the variables of the same name.
 */
export const configSchema = z.object({
  HOST: z.preprocess(emptyToUndefined, z.string().default("0.0.0.0")),
  PORT: integer(8000),
  VLLM_URL: upstreamUrls,
  VLLM_API_KEY: optionalString,
  UPSTREAMS_FILE: optionalString,
  MODEL: z.preprocess(emptyToUndefined, z.string().default("tencent/HunyuanOCR")),
  MODEL_ALIASES: list(["hunyuan-ocr", "hunyuanocr", "mistral-ocr-latest"]),
  MODEL_PROFILE: z.preprocess(emptyToUndefined, z.string().default("hunyuanocr-1.0")),
  APPLY_MODEL_DEFAULTS: flag(true),
  PROMPTS_DIR: optionalString,
  UPSTREAM_CONNECT_TIMEOUT_MS: integer(5_000, 1),
  UPSTREAM_FIRST_TOKEN_TIMEOUT_MS: integer(120_000, 1),
  UPSTREAM_IDLE_TIMEOUT_MS: integer(60_000, 1),
  UPSTREAM_TOTAL_TIMEOUT_MS: integer(600_000, 1),
  UPSTREAM_KEEPALIVE_MS: integer(4_000, 1),
  UPSTREAM_CONNECTIONS: integer(256, 1),
  UPSTREAM_MAX_CONCURRENCY: integer(256, 1),
  UPSTREAM_MAX_QUEUE: integer(1024, 0),
  UPSTREAM_QUEUE_TIMEOUT_MS: integer(60_000, 1),
  UPSTREAM_RETRIES: integer(2, 0),
  UPSTREAM_RETRY_BASE_MS: integer(100, 0),
  UPSTREAM_EJECT_AFTER_FAILURES: integer(3, 1),
  UPSTREAM_EJECT_COOLDOWN_MS: integer(10_000, 1),
  UPSTREAM_HEALTH_INTERVAL_MS: integer(5_000, 0),
  MAX_BODY_BYTES: integer(50 * 1024 * 1024, 1024),
  MAX_TOKENS_CAP: integer(16_384, 1),
  MAX_IMAGES_PER_REQUEST: integer(1, 1),
  STRUCTURED_OUTPUT_MODE: z.preprocess(
    emptyToUndefined,
    z.enum(["response_format", "structured_outputs", "guided_json"]).default("response_format"),
  ),
  IMAGE_MAX_INPUT_PIXELS: integer(100_000_000, 1),
  IMAGE_MAX_LONG_SIDE: integer(4096, 64),
  IMAGE_MAX_PIXELS: integer(2048 * 2048, 4096),
  PDF_MAX_PAGES: integer(1000, 1),
  PAGE_CONCURRENCY: integer(4, 1),
  PDF_RENDER_WORKERS: integer(2, 0),
  PDF_PAGE_TIMEOUT_MS: integer(20_000, 100),
  PDF_WORKER_MEMORY_MB: integer(1024, 128),
  PDF_MAX_STREAM_MB: integer(256, 1),
  FFMPEG_PATH: optionalString,
  FETCH_TIMEOUT_MS: integer(15_000, 1),
  FETCH_MAX_BYTES: integer(50 * 1024 * 1024, 1024),
  FETCH_MAX_REDIRECTS: integer(3, 0),
  FETCH_ALLOWED_PRIVATE_HOSTS: list([]),
  EMBEDDED_WORKERS: integer(1, 1),
  EMBEDDED_INTRA_OP_THREADS: integer(2, 1),
  EMBEDDED_MAX_QUEUE: integer(16, 0),
  EMBEDDED_MAX_LONG_SIDE: integer(1216, 320),
  AUTO_ROTATE: z.preprocess(
    emptyToUndefined,
    z
      .enum(["on", "off", "true", "false", "1", "0"])
      .default("on")
      .transform((value) => value === "on" || value === "true" || value === "1"),
  ),
  AUTO_ROTATE_WORKERS: integer(1, 1),
  WEB_UI: flag(true),
  WEB_UI_PATH: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\/[\w\-/]*$/)
      .default("/"),
  ),
  MCP_ENABLED: flag(true),
  MCP_ALLOWED_HOSTS: list([]),
  MCP_ALLOWED_ORIGINS: list([]),
  API_KEYS: list([]),
  API_KEYS_FILE: optionalString,
  // RFC 7518 §3.2: an HS256 key shorter than the hash (32 bytes) can be brute-forced offline from one token.
  JWT_SECRET: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine((secret) => Buffer.byteLength(secret) >= 32, {
        message:
          "must be at least 32 bytes (HS256 needs a 256-bit key; a shorter one can be guessed from any token). Generate one with `openssl rand -base64 48`.",
      })
      .optional(),
  ),
  JWT_JWKS_URL: optionalString,
  JWT_ISSUER: optionalString,
  JWT_AUDIENCE: optionalString,
  RATE_LIMIT_PER_MINUTE: integer(0, 0),
  REDIS_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^rediss?:\/\/\S+$/, "must be a redis:// or rediss:// URL")
      .optional(),
  ),
  REDIS_KEY_PREFIX: z.preprocess(emptyToUndefined, z.string().default("ocr-gateway:")),
  CACHE: z.preprocess(
    emptyToUndefined,
    z
      .enum(["on", "off", "true", "false", "1", "0"])
      .default("on")
      .transform((value) => value === "on" || value === "true" || value === "1"),
  ),
  CACHE_TTL: integer(86_400, 1),
  CACHE_MAX_BYTES: integer(256 * 1024 * 1024, 1024),
  CACHE_SCOPE: z.preprocess(emptyToUndefined, z.enum(["owner", "global"]).default("owner")),
  METRICS_TOKEN: optionalString,
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  ),
  SHUTDOWN_GRACE_MS: integer(30_000, 0),
  DATABASE_URL: optionalString,
  DATA_DIR: z.preprocess(emptyToUndefined, z.string().default("./data")),
  JOBS_ENABLED: flag(true),
  JOB_WORKER: flag(true),
  JOB_RESULT_TTL: duration("7d"),
  JOB_EXPIRE_AFTER: duration("24h"),
  JOB_PAGES_PER_REPLICA: integer(8, 1),
  JOB_RESERVED_SLOTS: integer(1, 0),
  JOB_MAX_IN_FLIGHT: integer(64, 1),
  JOB_LEASE_MS: integer(30_000, 100),
  JOB_POLL_MS: integer(500, 10),
  JOB_MAX_ATTEMPTS: integer(5, 1),
  JOB_SWEEP_INTERVAL_MS: integer(15_000, 100),
  BATCH_CONCURRENCY: integer(4, 1),
  BATCH_MAX_LINES: integer(50_000, 1),
  WEBHOOK_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^https?$/ }).optional()),
  WEBHOOK_SECRET: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine(isWebhookSecret, "must be whsec_ followed by at least 24 base64-encoded bytes")
      .optional(),
  ),
  WEBHOOK_TIMEOUT_MS: integer(10_000, 100),
  WEBHOOK_RETRY_BASE_MS: integer(5_000, 1),
  WEBHOOK_RETRY_WINDOW_MS: integer(24 * 3_600_000, 1_000),
});

export type ConfigInput = z.input<typeof configSchema>;
export type GatewayConfig = Readonly<z.output<typeof configSchema>>;
