import { decodeDataUrl, isDataUrl } from "../fetching/decode-data-url.ts";
import type { ImageLimits } from "../images/image-limits.ts";
import { assertImageDecodes } from "../images/verify-image.ts";
import type { ChatRequest } from "./chat-request.ts";
import { imageParts } from "./inline-remote-images.ts";

/**
 * Decodes every `data:` image of a chat request (after `inlineRemoteImages`, that is all of them) enough to know
 * it is whole, so a corrupt image is the caller's 400 `invalid_image` and never reaches a replica: vLLM before
 * 0.19 answers such an image with a plain 500, which would look like a failing replica.
 */
export async function verifyChatImages(request: ChatRequest, limits: ImageLimits): Promise<void> {
  for (const part of imageParts(request.messages)) {
    const url = part.image_url.url;
    if (isDataUrl(url)) await assertImageDecodes(decodeDataUrl(url, "messages"), limits);
  }
}
