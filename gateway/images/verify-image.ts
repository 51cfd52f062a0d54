import type { ImageLimits } from "./image-limits.ts";
import { readImageSource, toImageError } from "./image-source.ts";
import { identifyImage } from "./normalize-image.ts";

/** Small enough to cost little memory; decoding still reads the whole compressed stream to get there. */
const PROBE_SIDE = 64;

/**
 * Checks that `input` is an image the model server can read in full, without keeping its pixels: a supported
 * format (415 otherwise), within the pixel and aspect-ratio limits (413/400), and every byte of its pixel data
 * decodable (400 `invalid_image` for a truncated or corrupt body behind a valid header, which vLLM before 0.19
 * answers with a bare 500). A JPEG is decoded with shrink-on-load, a fraction of a full decode's cost.
 */
export async function assertImageDecodes(input: Uint8Array, limits: ImageLimits): Promise<void> {
  const source = await readImageSource(input, identifyImage(input), 0, limits);
  try {
    await source
      .decode()
      .resize(PROBE_SIDE, PROBE_SIDE, { fit: "inside", withoutEnlargement: true })
      .raw()
      .toBuffer();
  } catch (error) {
    throw toImageError(error);
  }
}
