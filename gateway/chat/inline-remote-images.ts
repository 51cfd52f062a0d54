import { BadRequestError, UnsupportedMediaTypeError } from "../errors.ts";
import { isDataUrl } from "../fetching/decode-data-url.ts";
import type { RemoteFileFetcher } from "../fetching/fetch-remote-file.ts";
import { detectMediaType, isSupportedImageKind, mimeTypeOf } from "../images/detect-media-type.ts";
import type { ChatContentPart, ChatMessage, ChatRequest } from "./chat-request.ts";

export interface InlineImageOptions {
  fetcher: RemoteFileFetcher;
  maxImages: number;
  signal?: AbortSignal | undefined;
}

/** Every `image_url` part of the request's messages, in order. */
export function imageParts(
  messages: readonly ChatMessage[],
): Array<Extract<ChatContentPart, { type: "image_url" }>> {
  return messages.flatMap((message) =>
    Array.isArray(message.content) ? message.content.filter((part) => part.type === "image_url") : [],
  );
}

async function toDataUrl(url: string, options: InlineImageOptions): Promise<string> {
  const { bytes } = await options.fetcher.fetchRemoteFile(url, options.signal);
  const kind = detectMediaType(bytes);
  if (kind === null || !isSupportedImageKind(kind)) {
    throw new UnsupportedMediaTypeError(
      "unsupported_media_type",
      "An image_url did not point at a supported image.",
      {
        param: "messages",
      },
    );
  }
  return `data:${mimeTypeOf(kind)};base64,${bytes.toString("base64")}`;
}

/**
 * Enforces the per-request image count and replaces every http(s) `image_url` by a `data:` URL of the image
 * the gateway fetched itself (SSRF-safe, size- and time-limited), so vLLM never fetches URLs. Other URL
 * schemes are refused (vLLM would read `file://` with `--allowed-local-media-path`).
 */
export async function inlineRemoteImages(
  request: ChatRequest,
  options: InlineImageOptions,
): Promise<ChatRequest> {
  const images = imageParts(request.messages);
  if (images.length > options.maxImages) {
    throw new BadRequestError(
      "too_many_images",
      `At most ${options.maxImages} image(s) may be provided in one request (MAX_IMAGES_PER_REQUEST).`,
      { param: "messages" },
    );
  }
  for (const part of images) {
    if (isDataUrl(part.image_url.url) && !/^data:[^,]*;base64,/i.test(part.image_url.url.slice(0, 256))) {
      throw new BadRequestError(
        "invalid_data_url",
        "A data: URL must be base64-encoded (data:<type>;base64,<data>).",
        {
          param: "messages",
        },
      );
    }
  }
  const remote = images.filter((part) => !isDataUrl(part.image_url.url));
  if (remote.length === 0) return request;
  for (const part of remote) {
    if (!/^https?:\/\//i.test(part.image_url.url)) {
      throw new BadRequestError(
        "invalid_image_url",
        "image_url must be an http(s) URL or a base64 data: URL.",
        {
          param: "messages",
        },
      );
    }
  }
  const inlined = new Map(
    await Promise.all(
      remote.map(async (part) => [part, await toDataUrl(part.image_url.url, options)] as const),
    ),
  );
  return {
    ...request,
    messages: request.messages.map((message) =>
      Array.isArray(message.content)
        ? {
            ...message,
            content: message.content.map((part) => {
              if (part.type !== "image_url") return part;
              const url = inlined.get(part);
              return url === undefined ? part : { ...part, image_url: { ...part.image_url, url } };
            }),
          }
        : message,
    ),
  };
}
