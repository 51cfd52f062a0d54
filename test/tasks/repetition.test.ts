import { describe, expect, it } from "vitest";
import { createLoopDetector, hasTailRepetition, trimRepetitionLoop } from "../../gateway/tasks/repetition.ts";

/** Varied, realistic document text: numbered receipt lines that never repeat exactly. */
function documentText(chars: number): string {
  const lines: string[] = [];
  let length = 0;
  for (let index = 1; length < chars; index++) {
    const line = `| ${index} | 商品 ${String.fromCharCode(65 + (index % 26))}${index * 7} | ${(index * 1.37).toFixed(2)} RM |`;
    lines.push(line);
    length += line.length + 1;
  }
  return lines.join("\n");
}

describe("trimRepetitionLoop (official 1.0 rule)", () => {
  it("keeps one copy of a tail unit repeated at least 10 times", () => {
    const body = documentText(6000);
    const unit = "<td></td><td>0.00</td>";
    const result = trimRepetitionLoop(body + unit.repeat(200));
    expect(result).toEqual({ text: body + unit, looped: true, removedChars: unit.length * 199 });
  });

  it("handles a loop cut mid-unit by max_tokens", () => {
    const body = documentText(8000);
    const looped = `${body}\n${"重复的句子。".repeat(40)}重复的`;
    const result = trimRepetitionLoop(looped);
    expect(result.looped).toBe(true);
    expect(result.text.length).toBeLessThan(body.length + 12);
    expect(result.text.startsWith(body)).toBe(true);
  });

  it("leaves short texts and normal long texts alone", () => {
    const short = "ab".repeat(3000);
    expect(trimRepetitionLoop(short)).toEqual({ text: short, looped: false, removedChars: 0 });
    const normal = documentText(30_000);
    expect(trimRepetitionLoop(normal)).toEqual({ text: normal, looped: false, removedChars: 0 });
  });

  it("needs the repeats back to back and at least minRepeats of them", () => {
    const body = documentText(9000);
    expect(trimRepetitionLoop(`${body}\nxyz`.concat("abc".repeat(9))).looped).toBe(false);
    expect(trimRepetitionLoop(`${body}abc`.repeat(1), { minChars: 2000 }).looped).toBe(false);
    expect(trimRepetitionLoop(`${documentText(2500)}${"abc".repeat(12)}`, { minChars: 2000 }).looped).toBe(
      true,
    );
  });
});

describe("hasTailRepetition (1.5 rule)", () => {
  it("finds 1–256 character units repeated 8 times, ignoring whitespace-only units", () => {
    expect(hasTailRepetition(`intro text ${"x".repeat(8)}`)).toBe(true);
    expect(hasTailRepetition(`intro text ${"x".repeat(7)}`)).toBe(false);
    expect(hasTailRepetition(`intro${" ".repeat(100)}`)).toBe(false);
    const unit = `${"a".repeat(255)}b`;
    expect(hasTailRepetition(`intro${unit.repeat(8)}`)).toBe(true);
    const tooLong = `${"a".repeat(256)}b`;
    expect(hasTailRepetition(`intro${tooLong.repeat(8)}`)).toBe(false);
  });
});

describe("createLoopDetector", () => {
  function stream(text: string, size: number): { aborted: number | undefined; length: number } {
    const detector = createLoopDetector();
    for (let offset = 0; offset < text.length; offset += size) {
      if (detector.push(text.slice(offset, offset + size)))
        return { aborted: detector.length, length: detector.length };
    }
    return { aborted: undefined, length: detector.length };
  }

  it("aborts a looping stream at the first check after 4,000 characters", () => {
    const looping = documentText(1000) + "<tr><td></td></tr>".repeat(2000);
    const { aborted } = stream(looping, 3);
    expect(aborted).toBeGreaterThanOrEqual(4000);
    expect(aborted).toBeLessThan(4010);
  });

  it("checks only every +1,000 characters", () => {
    const detector = createLoopDetector();
    expect(detector.push(documentText(4200))).toBe(false);
    expect(detector.push("z".repeat(50))).toBe(false);
    expect(detector.push("z".repeat(1000))).toBe(true);
    expect(detector.push("more")).toBe(true);
    expect(detector.looped).toBe(true);
  });

  it("lets a long normal stream through, in linear time", () => {
    const text = documentText(64_000);
    const started = performance.now();
    expect(stream(text, 4)).toEqual({ aborted: undefined, length: text.length });
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
