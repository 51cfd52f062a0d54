import type { Logger } from "./logger.ts";

export type HealthCheck = (url: string) => Promise<{ healthy: boolean; reason: string }>;

/**
 * Logs whether each vLLM replica can be reached: once at start (`checkAtStart`, reachable or not) and then
 * each time the replica pool moves one out of or back into rotation (`changed`, the pool's `health`
 * observer), with its URL and the reason, so a wrong `VLLM_URL` shows in the first lines of the log. A line is
 * written only when a replica's state differs from the last one logged; the pool's initial "assumed healthy"
 * calls, made before `checkAtStart`, are not findings and are ignored.
 */
export function createReplicaReachabilityLog(logger: Logger, check: HealthCheck) {
  const logged = new Map<string, boolean>();
  let started = false;

  function report(url: string, healthy: boolean, reason: string): void {
    if (logged.get(url) === healthy) return;
    const first = !logged.has(url);
    logged.set(url, healthy);
    if (healthy) {
      logger.info(
        { replica: url, reason },
        first ? "vLLM replica reachable" : "vLLM replica back in rotation",
      );
    } else {
      logger.warn(
        { replica: url, reason },
        first ? "vLLM replica unreachable" : "vLLM replica out of rotation",
      );
    }
  }

  return {
    /** Checks every replica now and logs each result; resolves when all are logged. */
    async checkAtStart(urls: readonly string[]): Promise<void> {
      started = true;
      await Promise.all(
        urls.map(async (url) => {
          const { healthy, reason } = await check(url);
          report(url, healthy, reason);
        }),
      );
    },

    /** The pool's health observer. Out of rotation, the reason comes from a fresh health check. */
    changed(url: string, healthy: boolean): void {
      if (!started) return;
      if (healthy) {
        report(url, true, "GET /health answered 200 or a request succeeded");
        return;
      }
      void check(url).then(({ healthy: answers, reason }) =>
        report(
          url,
          false,
          answers ? "ejected after consecutive failed requests (GET /health answers 200)" : reason,
        ),
      );
    },
  };
}
