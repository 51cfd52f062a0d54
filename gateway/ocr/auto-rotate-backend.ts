import type { PageOrienter } from "../engines/orientation/create-page-orienter.ts";
import type { PageRotation } from "../images/page-rotation.ts";
import { rotatedSize } from "../images/page-rotation.ts";
import { rotateImage } from "../images/rotate-image.ts";
import type { OcrBackend } from "./ocr-backend.ts";
import type { PageResult, PreparedPage } from "./ocr-types.ts";
import { toSentPageResult } from "./rotate-page-result.ts";

export interface AutoRotateHooks {
  /** Each page's detection: the rotation found and how long it took (queue wait included). */
  detected?(rotation: PageRotation, seconds: number): void;
  /** Detection failed (models missing, unreadable image): the page is read as sent, with a warning. */
  failed?(error: unknown): void;
}

/** The page turned `rotation` degrees clockwise, as if the caller had sent it that way. */
async function uprightPage(page: PreparedPage, rotation: PageRotation): Promise<PreparedPage> {
  return {
    index: page.index,
    image: await rotateImage(page.image, rotation),
    dimensions: { ...rotatedSize(page.dimensions, rotation), dpi: page.dimensions.dpi },
  };
}

/**
 * `backend` reading every page upright: each page's orientation is detected first (`orienter`, off the event
 * loop), a page lying on its side or upside down is turned before the backend sees it (the VLM gets the
 * upright image), and the answer is mapped back to the page as sent, with `rotation` set. A failed detection
 * never fails the page: it is read as sent, with a warning.
 */
export function withAutoRotation(
  backend: OcrBackend,
  orienter: PageOrienter,
  hooks: AutoRotateHooks = {},
): OcrBackend {
  async function detect(page: PreparedPage, signal: AbortSignal) {
    const started = performance.now();
    try {
      const { rotation } = await orienter.detect(page.image.data, signal);
      hooks.detected?.(rotation, (performance.now() - started) / 1000);
      return { rotation, warnings: [] };
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      hooks.failed?.(error);
      const reason = error instanceof Error ? error.message : String(error);
      return { rotation: 0 as const, warnings: [`the page's orientation could not be detected: ${reason}`] };
    }
  }

  return {
    name: backend.name,
    imageLimits: backend.imageLimits,
    capabilities: (task) => backend.capabilities(task),
    prepareTask: (task, options, route) => backend.prepareTask(task, options, route),
    ...(backend.assertServes ? { assertServes: backend.assertServes.bind(backend) } : {}),
    ...(backend.load ? { load: backend.load.bind(backend) } : {}),
    async runPage(page, task, context): Promise<PageResult> {
      const { rotation, warnings } = await detect(page, context.signal);
      const read =
        rotation === 0
          ? await backend.runPage(page, task, context)
          : await backend.runPage(await uprightPage(page, rotation), task, context);
      const result = toSentPageResult(read, rotation, page.dimensions);
      if (warnings.length > 0) result.warnings = [...warnings, ...result.warnings];
      return result;
    },
  };
}
