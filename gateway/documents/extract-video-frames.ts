import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import {
  BadRequestError,
  type GatewayError,
  NotImplementedError,
  UnsupportedMediaTypeError,
} from "../errors.ts";

const run = promisify(execFile);

export interface VideoFrameOptions {
  /** The ffmpeg binary (default `ffmpeg` on the PATH). */
  ffmpegPath?: string;
  signal?: AbortSignal;
  /** Largest frame output accepted from ffmpeg, in bytes. Default 64 MiB. */
  maxFrameBytes?: number;
}

/** A video on disk, read one frame at a time. */
export interface VideoFrames {
  /** The video's length in seconds, when ffmpeg reports one. */
  durationSeconds: number | undefined;
  /**
   * The frame at `seconds` as PNG. Calls run one after another (one ffmpeg per video at a time), so a request
   * holds at most as many frames as it has pages in flight. A time with no frame → 400.
   */
  frameAt(seconds: number, signal?: AbortSignal): Promise<Buffer>;
  /** Removes the video's temporary copy. */
  close(): Promise<void>;
}

/** True when `ffmpegPath` runs (`ffmpeg -version`). */
export async function ffmpegAvailable(ffmpegPath = "ffmpeg"): Promise<boolean> {
  try {
    await run(ffmpegPath, ["-version"], { timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

/** `ffmpeg -i` (no output) prints the container's length on stderr and exits 1; no length means unreadable. */
async function probeDuration(
  ffmpeg: string,
  input: string,
  signal?: AbortSignal,
): Promise<number | undefined> {
  const stderr = await run(ffmpeg, ["-hide_banner", "-i", input], {
    timeout: 30_000,
    ...(signal ? { signal } : {}),
  }).then(
    ({ stderr }) => stderr,
    (error: { stderr?: string }) => {
      signal?.throwIfAborted();
      return error.stderr ?? "";
    },
  );
  if (!/Stream #\d+:\d+.*Video:/.test(stderr)) {
    throw new UnsupportedMediaTypeError("invalid_video", "The video could not be decoded.");
  }
  const match = /Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)/.exec(stderr);
  return match ? Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]) : undefined;
}

/**
 * Copies a video to a private temporary folder (MP4 needs a seekable file) and checks that ffmpeg reads it.
 * Frames are extracted later, one at a time, by `frameAt`. Call `close()` when done (the folder is removed).
 * No ffmpeg → 501 `ffmpeg_not_available`; a file ffmpeg cannot read → 415 `invalid_video`.
 */
export async function openVideo(video: Uint8Array, options: VideoFrameOptions = {}): Promise<VideoFrames> {
  const ffmpeg = options.ffmpegPath ?? "ffmpeg";
  if (!(await ffmpegAvailable(ffmpeg))) {
    throw new NotImplementedError(
      "ffmpeg_not_available",
      "Reading video files needs ffmpeg on the gateway's PATH (or FFMPEG_PATH); send a frame as an image instead.",
    );
  }
  const folder = await mkdtemp(path.join(tmpdir(), "ocr-video-"));
  const input = path.join(folder, "input");
  let durationSeconds: number | undefined;
  try {
    await writeFile(input, video, { mode: 0o600 });
    durationSeconds = await probeDuration(ffmpeg, input, options.signal);
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
  let previous: Promise<unknown> = Promise.resolve();

  async function extract(seconds: number, signal: AbortSignal | undefined): Promise<Buffer> {
    let stdout: Buffer;
    try {
      ({ stdout } = await run(
        ffmpeg,
        [
          ...["-v", "error", "-ss", String(seconds), "-i", input],
          ...["-frames:v", "1", "-f", "image2pipe", "-vcodec", "png", "-"],
        ],
        {
          encoding: "buffer",
          maxBuffer: options.maxFrameBytes ?? 64 * 1024 * 1024,
          timeout: 30_000,
          ...(signal ? { signal } : {}),
        },
      ));
    } catch (error) {
      signal?.throwIfAborted();
      throw new UnsupportedMediaTypeError("invalid_video", "The video could not be decoded.", {
        cause: error,
      });
    }
    if (stdout.length === 0) throw timestampOutOfRange(seconds);
    return stdout;
  }

  return {
    durationSeconds,
    frameAt(seconds, signal) {
      const frame = previous.then(() => extract(seconds, signal));
      previous = frame.catch(() => undefined);
      return frame;
    },
    close: () => rm(folder, { recursive: true, force: true }),
  };
}

/** 400 `timestamp_out_of_range` for a time the video has no frame at. */
export function timestampOutOfRange(seconds: number): GatewayError {
  return new BadRequestError("timestamp_out_of_range", `The video has no frame at ${seconds} s.`, {
    param: "timestamps",
  });
}
