import { BadRequestError } from "../errors.ts";

const DATA_URL = /^data:([\w.+-]+\/[\w.+-]+)?((?:;[\w-]+=[^;,]*)*);base64,/i;

/** True when `url` is a `data:` URL (whatever its encoding). */
export function isDataUrl(url: string): boolean {
  return url.slice(0, 5).toLowerCase() === "data:";
}

/**
 * Decodes a base64 `data:` URL. Only base64 is accepted (as vLLM does); the declared media type is not
 * trusted, the bytes are identified later by their signature.
 */
export function decodeDataUrl(url: string, param = "document"): Buffer {
  const header = DATA_URL.exec(url.slice(0, 256));
  if (!header) {
    throw new BadRequestError(
      "invalid_data_url",
      "A data: URL must be base64-encoded (data:<type>;base64,<data>).",
      {
        param,
      },
    );
  }
  const payload = url.slice(header[0].length);
  if (!/^[A-Za-z0-9+/=\s_-]*$/.test(payload.slice(0, 4096))) {
    throw new BadRequestError("invalid_data_url", "The data: URL holds characters that are not base64.", {
      param,
    });
  }
  return Buffer.from(payload, "base64");
}
