import { randomBytes } from "node:crypto";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { createPageOrienter } from "../../../gateway/engines/orientation/create-page-orienter.ts";
import { inverseRotation, PAGE_ROTATIONS } from "../../../gateway/images/page-rotation.ts";
import { readReceipt } from "../../support/fixtures.ts";

const orienter = createPageOrienter();

afterAll(async () => {
  await orienter.close();
});

/** A receipt as a client would send it after scanning it turned `turn` degrees clockwise. */
function turned(id: string, turn: number): Promise<Buffer> {
  return sharp(readReceipt(id)).rotate(turn).jpeg({ quality: 90 }).toBuffer();
}

describe("page orienter (PP-OCR detector + direction classifier)", () => {
  it("loads nothing until the first page", () => {
    expect(orienter.started).toBe(false);
  });

  // Narrow till receipts, a wide one, a dense one, and an A4 scan with a small receipt in it.
  it.each(["000", "005", "008", "011", "023"])(
    "finds the turn that makes receipt %s upright, at every angle",
    async (id) => {
      for (const turn of PAGE_ROTATIONS) {
        const reading = await orienter.detect(await turned(id, turn));
        expect({ turn, rotation: reading.rotation }).toEqual({ turn, rotation: inverseRotation(turn) });
        expect(reading.sideways).toBe(turn === 90 || turn === 270);
        expect(reading.lines).toBeGreaterThanOrEqual(3);
        expect(reading.durationMs).toBeGreaterThan(0);
      }
      expect(orienter.started).toBe(true);
    },
    120_000,
  );

  it("looks closer at a large page with little text: a small receipt in the middle of an A4 scan", async () => {
    const a4 = await sharp({ create: { width: 3000, height: 4200, channels: 3, background: "#ffffff" } })
      .composite([{ input: readReceipt("000"), left: 1200, top: 1500 }])
      .jpeg()
      .toBuffer();
    // Turned, then prepared as the gateway prepares pages for vLLM (longest side 2048).
    const sent = await sharp(a4).rotate(90).resize(2048, 2048, { fit: "inside" }).jpeg().toBuffer();
    expect((await orienter.detect(sent)).rotation).toBe(270);
  }, 120_000);

  it("reads a greyscale scan (one-channel PNG, as the gateway prepares grey pages)", async () => {
    const grey = await sharp(readReceipt("009")).rotate(270).toColourspace("b-w").png().toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    expect((await orienter.detect(grey)).rotation).toBe(90);
  }, 60_000);

  it("leaves pages with no text as they are, without an error", async () => {
    const blank = await sharp({ create: { width: 800, height: 1100, channels: 3, background: "#ffffff" } })
      .png()
      .toBuffer();
    const grey = await sharp({ create: { width: 300, height: 200, channels: 3, background: "#808080" } })
      .jpeg()
      .toBuffer();
    const noise = await sharp(randomBytes(256 * 256 * 3), { raw: { width: 256, height: 256, channels: 3 } })
      .png()
      .toBuffer();
    const tiny = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#000000" } })
      .png()
      .toBuffer();
    for (const image of [blank, grey, noise, tiny]) {
      expect(await orienter.detect(image)).toMatchObject({ rotation: 0, lines: 0, sideways: false });
    }
  }, 60_000);

  it("rejects bytes that are no image and keeps serving", async () => {
    await expect(orienter.detect(Buffer.from("not an image"))).rejects.toMatchObject({
      code: "orientation_failed",
    });
    expect((await orienter.detect(await turned("000", 180))).rotation).toBe(180);
  }, 60_000);

  it("drops a page whose caller gave up", async () => {
    const controller = new AbortController();
    controller.abort(new Error("gone"));
    await expect(orienter.detect(await turned("000", 90), controller.signal)).rejects.toThrow("gone");
  });
});
