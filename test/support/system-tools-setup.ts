import { IN_CI, installCommand, missingTools } from "./system-tools.ts";

/**
 * Vitest global setup: under CI a missing system tool stops the run before any test; elsewhere the tests that
 * need one skip (`lacks(...)`), and this prints one line naming the tools and how to install them.
 */
export default function checkSystemTools(): (() => void) | undefined {
  const missing = missingTools();
  if (missing.length === 0) return undefined;
  if (IN_CI) {
    throw new Error(
      `CI=true and these tools are missing, so their tests would skip: ${missing.join(", ")}. ` +
        `Install them (${installCommand(missing)}; .ci/run does) or unset CI.`,
    );
  }
  return function reportSkippedTools() {
    console.warn(
      `\nSkipped the tests that need ${missing.join(", ")} (not installed). ` +
        `To run them: ${installCommand(missing)}`,
    );
  };
}
