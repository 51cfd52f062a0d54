import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../gateway/app.ts";
import { runEval } from "../../gateway/eval/run-eval.ts";
import { loadSroieSample, type SroieReceipt } from "../../gateway/eval/sroie-dataset.ts";
import { SROIE_DIR } from "../support/fixtures.ts";
import { type RunningGateway, startGateway } from "../support/gateway-harness.ts";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";

const run = promisify(execFile);
let emulator: VllmEmulator;
let gateway: RunningGateway;
let receipts: SroieReceipt[];

beforeAll(async () => {
  emulator = await VllmEmulator.start();
  gateway = await startGateway({ VLLM_URL: emulator.url });
  receipts = (await loadSroieSample(SROIE_DIR)).slice(0, 2);
});

afterAll(async () => {
  await gateway.close();
  await emulator.close();
});

describe("runEval", () => {
  it("reads the SROIE layout with transcripts in reading order and fields", () => {
    expect(receipts.map((receipt) => receipt.id)).toEqual(["000", "001"]);
    expect(receipts[0]?.truth.split("\n")[0]).toBe("TAN WOON YANN");
    expect(Object.keys(receipts[0]?.fields ?? {})).toEqual(["company", "date", "address", "total"]);
  });

  it("scores text answers with corpus CER and WER through /v1/ocr", async () => {
    const [first, second] = receipts;
    emulator.script({ text: first?.truth ?? "" }, { text: "" });
    const report = await runEval(createApp(gateway.deps), receipts, { dataset: "sroie", task: "text" });
    expect(report.perDocument[0]?.cer).toBe(0);
    expect(report.perDocument[1]?.cer).toBe(1);
    expect(report.perDocument.map((score) => score.cerAnyOrder)).toEqual([0, 1]);
    const firstLength = (first?.truth ?? "").replace(/\s+/g, "").length;
    const secondLength = (second?.truth ?? "").replace(/\s+/g, "").length;
    expect(report.cer).toBeCloseTo(secondLength / (firstLength + secondLength), 5);
    expect(report.backend).toBe("vllm");
    expect(emulator.chatRequests).toHaveLength(2);
  });

  it("does not charge the order-free CER for lines read in another order than the reference's", async () => {
    const [first] = receipts;
    const reversed = (first?.truth ?? "").split("\n").reverse().join("\n");
    emulator.script({ text: reversed });
    const report = await runEval(createApp(gateway.deps), receipts.slice(0, 1), {
      dataset: "sroie",
      task: "text",
    });
    expect(report.cer).toBeGreaterThan(0.5);
    expect(report.cerAnyOrder).toBe(0);
  });

  it("scores fields by exact match per key", async () => {
    const [first, second] = receipts;
    emulator.script(
      { text: JSON.stringify(first?.fields) },
      {
        text: JSON.stringify({
          ...second?.fields,
          total: "999.99",
          company: ` ${second?.fields?.company?.toLowerCase()} `,
        }),
      },
    );
    const report = await runEval(createApp(gateway.deps), receipts, { dataset: "sroie", task: "fields" });
    expect(report.fieldAccuracy?.total).toEqual({ correct: 1, total: 2, accuracy: 0.5 });
    expect(report.fieldAccuracy?.company?.accuracy).toBe(1);
    expect(report.perDocument[1]?.fields).toMatchObject({ total: false, date: true });
  });
});

describe("eval command", () => {
  it("prints a JSON report for a vLLM backend", async () => {
    const { stdout } = await run(
      process.execPath,
      [
        "--import",
        "tsx",
        "gateway/eval/eval-cli.ts",
        "--dataset",
        SROIE_DIR,
        "--limit",
        "2",
        "--backend",
        emulator.url,
        "--json",
        "-",
      ],
      { timeout: 60_000 },
    );
    const report = JSON.parse(stdout) as { documents: number; cer: number; backend: string };
    expect(report.documents).toBe(2);
    expect(report.backend).toBe("vllm");
    expect(report.cer).toBeGreaterThanOrEqual(0);
  });

  it("reads the receipts bundled with the repository when no dataset is given", async () => {
    const { stdout } = await run(
      process.execPath,
      [
        "--import",
        "tsx",
        "gateway/eval/eval-cli.ts",
        "--limit",
        "1",
        "--backend",
        emulator.url,
        "--json",
        "-",
      ],
      { timeout: 60_000 },
    );
    const report = JSON.parse(stdout) as { documents: number; dataset: string };
    expect(report.documents).toBe(1);
    expect(report.dataset).toBe(SROIE_DIR);
  });

  it("explains its usage for an unknown task", async () => {
    const failure = await run(process.execPath, [
      "--import",
      "tsx",
      "gateway/eval/eval-cli.ts",
      "--task",
      "poetry",
    ]).catch((error: { code: number; stderr: string }) => error);
    expect((failure as { code: number }).code).toBe(2);
    expect((failure as { stderr: string }).stderr).toContain("usage: ocr-gateway eval [--dataset <dir>]");
  });
});
