import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { BadRequestError, NotImplementedError, UnsupportedMediaTypeError } from "../errors.ts";

const run = promisify(execFile);

export interface VideoFrameOptions {
  /** The ffmpeg binary (default `ffmpeg` on the PATH). */
  ffmpegPath?: string;
  signal?: AbortSignal;
  /** Largest frame output accepted from ffmpeg, in bytes. */
  maxFrameBytes?: number;
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

/**
 * Grabs one PNG frame per timestamp (seconds) from a video with ffmpeg. The video goes to a private
 * temporary folder (MP4 needs a seekable file) that is removed in `finally`, whatever happens.
 * No ffmpeg → 501 `ffmpeg_not_available`; a file ffmpeg cannot read → 415; a timestamp past the end → 400.
 */
export async function extractVideoFrames(
  video: Uint8Array,
  timestamps: readonly number[],
  options: VideoFrameOptions = {},
): Promise<Buffer[]> {
  const ffmpeg = options.ffmpegPath ?? "ffmpeg";
  if (!(await ffmpegAvailable(ffmpeg))) {
    throw new NotImplementedError(
      "ffmpeg_not_available",
      "Reading video files needs ffmpeg on the gateway's PATH (or FFMPEG_PATH); send a frame as an image instead.",
    );
  }
  const folder = await mkdtemp(path.join(tmpdir(), "ocr-video-"));
  try {
    const input = path.join(folder, "input");
    await writeFile(input, video, { mode: 0o600 });
    const frames: Buffer[] = [];
    for (const seconds of timestamps) {
      let stdout: Buffer;
      try {
        ({ stdout } = await run(
          ffmpeg,
          [
            "-v",
            "error",
            "-ss",
            String(seconds),
            "-i",
            input,
            "-frames:v",
            "1",
            "-f",
            "image2pipe",
            "-vcodec",
            "png",
            "-",
          ],
          {
            encoding: "buffer",
            maxBuffer: options.maxFrameBytes ?? 64 * 1024 * 1024,
            timeout: 30_000,
            ...(options.signal ? { signal: options.signal } : {}),
          },
        ));
      } catch (error) {
        if (options.signal?.aborted) throw error;
        throw new UnsupportedMediaTypeError("invalid_video", "The video could not be decoded.", {
          cause: error,
        });
      }
      if (stdout.length === 0) {
        throw new BadRequestError("timestamp_out_of_range", `The video has no frame at ${seconds} s.`, {
          param: "timestamps",
        });
      }
      frames.push(stdout);
    }
    return frames;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
