import { describe, expect, it } from "vitest";
import { fieldAgreement, textAgreement } from "../../gateway/release/agreement.ts";
import { chatAnswerText } from "../../gateway/release/answer-text.ts";
import { OutcomeWindow } from "../../gateway/release/outcome-window.ts";
import { pickByWeight, routingPoint } from "../../gateway/release/version-router.ts";

const versions = [
  { name: "v1", weight: 95 },
  { name: "v2", weight: 5 },
];

describe("weighted, sticky routing", () => {
  it("gives each owner one fixed point, and anonymous callers a fresh one per request", () => {
    expect(routingPoint("api_key:a")).toBe(routingPoint("api_key:a"));
    expect(routingPoint("api_key:a")).not.toBe(routingPoint("api_key:b"));
    const anonymous = new Set(Array.from({ length: 20 }, () => routingPoint(undefined)));
    expect(anonymous.size).toBe(20);
  });

  it("splits 10,000 owners within 4 standard deviations of the weights", () => {
    const counts = { v1: 0, v2: 0 };
    for (let i = 0; i < 10_000; i++)
      counts[pickByWeight(versions, routingPoint(`jwt:user-${i}`))?.name as "v1"]++;
    // Binomial(10000, 0.05): mean 500, standard deviation 21.8.
    expect(Math.abs(counts.v2 - 500)).toBeLessThan(4 * 21.8);
    expect(counts.v1 + counts.v2).toBe(10_000);
  });

  it("moves only the owners whose point crosses a boundary when a weight changes", () => {
    const before = Array.from(
      { length: 2_000 },
      (_, i) => pickByWeight(versions, routingPoint(`k${i}`))?.name,
    );
    const wider = [
      { name: "v1", weight: 80 },
      { name: "v2", weight: 20 },
    ];
    const after = Array.from({ length: 2_000 }, (_, i) => pickByWeight(wider, routingPoint(`k${i}`))?.name);
    // Owners on v2 stay on v2; only v1 owners move, to v2.
    before.forEach((name, i) => {
      if (name === "v2") expect(after[i]).toBe("v2");
    });
    expect(after.filter((name) => name === "v2").length).toBeGreaterThan(
      before.filter((n) => n === "v2").length,
    );
  });

  it("skips versions of weight 0 and answers undefined when every weight is 0", () => {
    const rolledBack = [
      { name: "v1", weight: 1 },
      { name: "v2", weight: 0 },
    ];
    for (const point of [0, 0.5, 0.999999]) expect(pickByWeight(rolledBack, point)?.name).toBe("v1");
    expect(pickByWeight([{ weight: 0 }], 0.3)).toBeUndefined();
  });
});

describe("agreement of two answers", () => {
  it("measures characters after CER normalisation: 1 for the same text laid out differently", () => {
    expect(textAgreement("TOTAL 9.00\nCASH", "total   9.00 cash")).toBe(1);
    expect(textAgreement("", "")).toBe(1);
    expect(textAgreement("abcd", "")).toBe(0);
    expect(textAgreement("TOTAL 9.00", "TOTAL 9.80")).toBeCloseTo(1 - 1 / 9, 6);
  });

  it("measures fields key by key, over the keys of either answer", () => {
    expect(
      fieldAgreement({ total: "9.00", date: "25/12/2018" }, { total: "9.00 ", date: "25/12/2018" }),
    ).toBe(1);
    expect(fieldAgreement({ total: "9.00", date: "25/12/2018" }, { total: "9.80", date: "25/12/2018" })).toBe(
      0.5,
    );
    expect(fieldAgreement({ total: "9.00" }, { total: "9.00", company: "X" })).toBe(0.5);
    expect(fieldAgreement({ items: [1, 2] }, { items: [1, 2] })).toBe(1);
    expect(fieldAgreement(null, {})).toBe(1);
  });

  it("reads a chat answer back from JSON and from its SSE stream, noticing error events", () => {
    const json = JSON.stringify({ choices: [{ message: { content: "TOTAL 9.00" } }] });
    expect(chatAnswerText(json, false)).toEqual({ text: "TOTAL 9.00", failed: false });
    const sse = [
      'data: {"choices":[{"delta":{"role":"assistant"}}]}',
      'data: {"choices":[{"delta":{"content":"TOTAL "}}]}',
      'data: {"choices":[{"delta":{"content":"9.00"}}]}',
      "data: [DONE]",
      "",
    ].join("\n\n");
    expect(chatAnswerText(sse, true)).toEqual({ text: "TOTAL 9.00", failed: false });
    expect(chatAnswerText('data: {"error": {"message": "x"}}\n\ndata: [DONE]\n\n', true).failed).toBe(true);
  });
});

describe("outcome window", () => {
  it("keeps the rate of the most recent outcomes only", () => {
    const window = new OutcomeWindow(10);
    for (let i = 0; i < 10; i++) window.record(true);
    expect(window.rate).toBe(1);
    for (let i = 0; i < 5; i++) window.record(false);
    expect(window.count).toBe(10);
    expect(window.rate).toBe(0.5);
    for (let i = 0; i < 10; i++) window.record(false);
    expect(window.rate).toBe(0);
  });
});
