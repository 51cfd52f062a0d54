import { readFileSync } from "node:fs";
import path from "node:path";
import { createGatewayMetrics } from "../../../gateway/metrics/gateway-metrics.ts";
import { REPO_ROOT } from "./child-processes.ts";

/** The project's vLLM facts (serve flags, metric names), copied into the repository. */
export const VLLM_FACTS = path.resolve(REPO_ROOT, "test/deploy/fixtures/vllm-facts.md");
const HISTOGRAM_SERIES = ["_bucket", "_sum", "_count"];

/** Series names a histogram or summary called `name` exports, besides `name` itself. */
function withHistogramSeries(names: Iterable<string>): Set<string> {
  const all = new Set<string>();
  for (const name of names) {
    all.add(name);
    for (const suffix of HISTOGRAM_SERIES) all.add(`${name}${suffix}`);
  }
  return all;
}

/** Every series name the gateway's registry exports (read from `createGatewayMetrics()`, not copied). */
export async function gatewaySeriesNames(): Promise<Set<string>> {
  const metrics = await createGatewayMetrics().registry.getMetricsAsJSON();
  return withHistogramSeries(metrics.map((metric) => metric.name));
}

/**
 * The vLLM metric names listed in the "## Metrics" section of `VLLM_FACTS` (the current names, not the
 * renamed ones of older builds).
 */
export function vllmSeriesNames(): Set<string> {
  const notes = readFileSync(VLLM_FACTS, "utf8");
  const section = notes.split(/^## /m).find((part) => part.startsWith("Metrics"));
  if (section === undefined) throw new Error(`${VLLM_FACTS} has no "## Metrics" section`);
  return withHistogramSeries(section.match(/vllm:[a-z0-9_]+/g) ?? []);
}

const KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "and", "or"]);
const MORE_KEYWORDS = new Set(["unless", "bool", "offset", "inf", "nan"]);

/**
 * The metric names a PromQL expression selects: identifiers left after removing strings, label matchers,
 * ranges, grouping clauses and function calls. Good enough for dashboards and alert rules, not a parser.
 */
export function metricNamesInPromql(expression: string): string[] {
  const stripped = expression
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
    .replace(/\$\w+/g, " ")
    .replace(/(?<![\w:])\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?:ms|[smhdwy])*/g, " ");
  const names: string[] = [];
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const name = match[0];
    const next = stripped.slice((match.index ?? 0) + name.length).trimStart();
    if (next.startsWith("(")) continue;
    if (KEYWORDS.has(name) || MORE_KEYWORDS.has(name.toLowerCase())) continue;
    names.push(name);
  }
  return names;
}
