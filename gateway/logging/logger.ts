import { type Logger, pino } from "pino";

/**
 * Paths that never reach the logs: credentials, and anything that may hold document content (image data,
 * URLs with their query strings, extracted text).
 */
export const REDACTED_PATHS = [
  "req.headers.authorization",
  "req.headers['x-api-key']",
  "req.headers.cookie",
  "*.image_url",
  "*.document_url",
  "*.text",
  "*.content",
  "*.data",
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: "ocr-gateway" },
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? process.stdout,
  );
}

export type { Logger };
