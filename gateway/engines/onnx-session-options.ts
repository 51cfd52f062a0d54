import type { InferenceSession } from "onnxruntime-node";

/** onnxruntime options for a CPU session that shares the machine with the gateway's other work. */
export function cpuSessionOptions(intraOpThreads: number): InferenceSession.SessionOptions {
  return {
    executionProviders: ["cpu"],
    intraOpNumThreads: intraOpThreads,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
    // Idle threads sleep instead of spinning: on a loaded machine spinning doubled the CPU time per page.
    extra: { session: { intra_op: { allow_spinning: "0" } } },
  };
}
