import { describe, expect, it } from "vitest";
import { orderFreeCharacterErrors } from "../../gateway/eval/order-free-cer.ts";
import { characterErrors } from "../../gateway/eval/text-metrics.ts";

const truth = ["TAN WOON YANN", "FAX:07-3558160", "TEL:07-3507405", "RECEIPT"].join("\n");

describe("orderFreeCharacterErrors", () => {
  it("does not charge an output that reads two boxes of one printed line left to right", () => {
    const output = ["tan woon yann", "Tel:07-3507405 Fax:07-3558160", "RECEIPT"].join("\n");
    expect(characterErrors(truth, output).errors).toBeGreaterThan(10);
    expect(orderFreeCharacterErrors(truth, output)).toEqual({ errors: 0, referenceLength: 46 });
  });

  it("equals the recipe's count when both sides are in the same order", () => {
    const output = ["TAN W0ON YAN", "FAX:07-3558160", "TEL:07-35O7405", "RECEIPTS"].join("\n");
    expect(orderFreeCharacterErrors(truth, output)).toEqual(characterErrors(truth, output));
    expect(orderFreeCharacterErrors(truth, output).errors).toBe(4);
  });

  it("counts a line the output lost as deletions and a line it made up as insertions", () => {
    const output = ["TAN WOON YANN", "TEL:07-3507405", "RECEIPT", "THANK YOU"].join("\n");
    expect(orderFreeCharacterErrors(truth, output).errors).toBe("FAX:07-3558160".length + "THANKYOU".length);
  });

  it("matches each output character once: a repeated reference line the output has once costs its length", () => {
    const reference = ["GOODS SOLD ARE NOT RETURNABLE", "GOODS SOLD ARE NOT RETURNABLE"].join("\n");
    expect(orderFreeCharacterErrors(reference, "Goods Sold Are Not Returnable").errors).toBe(25);
  });

  it("finds a reference line the output split over two lines, in any order", () => {
    const reference = "AIK HUAT HARDWARE ENTERPRISE (SETIA";
    const output = ["ENTERPRISE (SETIA", "RECEIPT", "AIK HUAT HARDWARE"].join("\n");
    expect(orderFreeCharacterErrors(reference, output).errors).toBe("RECEIPT".length);
  });

  it("scores an empty output as every reference character deleted, and an empty reference as zero length", () => {
    expect(orderFreeCharacterErrors(truth, "")).toEqual({ errors: 46, referenceLength: 46 });
    expect(orderFreeCharacterErrors("", "NOISE")).toEqual({ errors: 5, referenceLength: 0 });
  });
});
