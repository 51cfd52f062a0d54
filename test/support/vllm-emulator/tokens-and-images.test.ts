import { describe, expect, it } from "vitest";
import { imageTokenCount, resizeForModel } from "./images.ts";
import { splitTokens } from "./tokens.ts";

describe("emulator tokenisation", () => {
  it("splits text into 1–4 character pieces that concatenate back exactly", () => {
    const text = "BOOK TA .K (TAMAN DAYA) SDN BHD\n\nTOTAL:  9.00 检测并识别 emoji 😀 naïve";
    const tokens = splitTokens(text);
    expect(tokens.join("")).toBe(text);
    expect(tokens.every((token) => Array.from(token).length >= 1 && Array.from(token).length <= 4)).toBe(
      true,
    );
    expect(tokens).toContain("检");
    expect(tokens).toContain("\n");
  });

  it("keeps HunyuanOCR's placeholder tokens whole", () => {
    expect(splitTokens("<｜hy_place▁holder▁no▁112｜>A<｜hy_place▁holder▁no▁113｜>")).toEqual([
      "<｜hy_place▁holder▁no▁112｜>",
      "A",
      "<｜hy_place▁holder▁no▁113｜>",
    ]);
  });
});

describe("emulator image token count", () => {
  it("matches the model notes at 512² and 2048²", () => {
    expect(imageTokenCount({ width: 512, height: 512 })).toBe(274);
    expect(imageTokenCount({ width: 2048, height: 2048 })).toBe(4162);
  });

  it("upscales small images to 512² pixels and downscales large ones to 2048²", () => {
    expect(resizeForModel({ width: 100, height: 100 })).toEqual({ width: 512, height: 512 });
    const large = resizeForModel({ width: 4000, height: 3000 });
    expect(large.width * large.height).toBeLessThanOrEqual(2048 * 2048);
    expect(large.width % 32).toBe(0);
    expect(large.height % 32).toBe(0);
  });

  it("refuses an aspect ratio above 200", () => {
    expect(() => resizeForModel({ width: 201, height: 1 })).toThrow(
      "absolute aspect ratio must be smaller than 200",
    );
    expect(resizeForModel({ width: 6400, height: 32 }).height).toBeGreaterThan(0);
  });
});
