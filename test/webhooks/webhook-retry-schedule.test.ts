import { describe, expect, it } from "vitest";
import { nextWebhookAttempt } from "../../gateway/webhooks/webhook-retry-schedule.ts";

const policy = { baseDelayMs: 5_000, maxDelayMs: 3_600_000, windowMs: 24 * 3_600_000 };
const middle = () => 0.5;

describe("webhook retry schedule", () => {
  it("doubles the wait after each failed attempt", () => {
    const waits = [1, 2, 3, 4].map(
      (attempts) => (nextWebhookAttempt(policy, 0, attempts, 0, middle) ?? 0) - 0,
    );
    expect(waits).toEqual([5_000, 10_000, 20_000, 40_000]);
  });

  it("caps one wait at maxDelayMs and never schedules past the window", () => {
    expect(nextWebhookAttempt(policy, 0, 30, 0, middle)).toBe(3_600_000);
    const lateNow = policy.windowMs - 1_000;
    expect(nextWebhookAttempt(policy, 0, 30, lateNow, middle)).toBe(policy.windowMs);
    expect(nextWebhookAttempt(policy, 0, 30, policy.windowMs, middle)).toBeNull();
  });

  it("adds up to ±20 % jitter", () => {
    expect(nextWebhookAttempt(policy, 0, 1, 0, () => 0)).toBe(4_000);
    expect(nextWebhookAttempt(policy, 0, 1, 0, () => 1)).toBe(6_000);
  });
});
