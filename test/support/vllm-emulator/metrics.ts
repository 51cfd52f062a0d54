// The `vllm:` series a router or the gateway scrapes, in prometheus_client's text format (counters are
// announced with their `_total` name, histograms list buckets then `_count` and `_sum`).

const ttftBuckets = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640,
  2560,
];
const latencyBuckets = [
  0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680,
];
const interTokenBuckets = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80,
];

/** vLLM's build_1_2_5_buckets: 1, 2, 5, 10, 20, 50, … up to `max`. */
function oneTwoFiveBuckets(max: number): number[] {
  const buckets: number[] = [];
  for (let exponent = 1; ; exponent *= 10) {
    for (const mantissa of [1, 2, 5]) {
      if (mantissa * exponent > max) return buckets;
      buckets.push(mantissa * exponent);
    }
  }
}

/** prometheus_client's float formatting: "1.0", "0.25", "+Inf". */
function formatValue(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  return Number.isInteger(value) ? `${value}.0` : String(value);
}

class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(readonly buckets: number[]) {
    this.counts = new Array<number>(buckets.length).fill(0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) {
      if (value <= (this.buckets[i] as number)) {
        this.counts[i] = (this.counts[i] as number) + 1;
        return;
      }
    }
  }
}

export type FinishedReason = "stop" | "length" | "abort" | "error";

/** Live figures the metrics page reads at scrape time. */
export interface EngineGauges {
  running: number;
  waiting: number;
  kvCacheUsage: number;
}

/** Counters and histograms of one emulated engine. */
export class EngineMetrics {
  promptTokens = 0;
  generationTokens = 0;
  readonly finished: Record<FinishedReason, number> = { stop: 0, length: 0, abort: 0, error: 0 };
  readonly timeToFirstToken = new Histogram(ttftBuckets);
  readonly e2eLatency = new Histogram(latencyBuckets);
  readonly queueTime = new Histogram(latencyBuckets);
  readonly interTokenLatency = new Histogram(interTokenBuckets);
  readonly requestPromptTokens: Histogram;
  readonly requestGenerationTokens: Histogram;

  constructor(
    private readonly labels: string,
    private readonly newNames: boolean,
    maxModelLen: number,
  ) {
    this.requestPromptTokens = new Histogram(oneTwoFiveBuckets(maxModelLen));
    this.requestGenerationTokens = new Histogram(oneTwoFiveBuckets(maxModelLen));
  }

  /** The Prometheus text page. */
  render(gauges: EngineGauges): string {
    const lines: string[] = [];
    const l = this.labels;
    const gauge = (name: string, help: string, value: number) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name}{${l}} ${formatValue(value)}`);
    };
    const counter = (name: string, help: string, value: number) => {
      const total = `${name}_total`;
      lines.push(
        `# HELP ${total} ${help}`,
        `# TYPE ${total} counter`,
        `${total}{${l}} ${formatValue(value)}`,
      );
    };
    const histogram = (name: string, help: string, h: Histogram) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
      let cumulative = 0;
      h.buckets.forEach((bucket, i) => {
        cumulative += h.counts[i] as number;
        lines.push(`${name}_bucket{${l},le="${formatValue(bucket)}"} ${formatValue(cumulative)}`);
      });
      lines.push(`${name}_bucket{${l},le="+Inf"} ${formatValue(h.count)}`);
      lines.push(`${name}_count{${l}} ${formatValue(h.count)}`, `${name}_sum{${l}} ${formatValue(h.sum)}`);
    };
    gauge("vllm:num_requests_running", "Number of requests in model execution batches.", gauges.running);
    gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.", gauges.waiting);
    const kvName = this.newNames ? "vllm:kv_cache_usage_perc" : "vllm:gpu_cache_usage_perc";
    gauge(kvName, "KV-cache usage. 1 means 100 percent usage.", gauges.kvCacheUsage);
    counter("vllm:num_preemptions", "Cumulative number of preemption from the engine.", 0);
    counter("vllm:prompt_tokens", "Number of prefill tokens processed.", this.promptTokens);
    counter("vllm:generation_tokens", "Number of generation tokens processed.", this.generationTokens);
    lines.push(
      "# HELP vllm:request_success_total Count of successfully processed requests.",
      "# TYPE vllm:request_success_total counter",
    );
    for (const [reason, value] of Object.entries(this.finished)) {
      lines.push(`vllm:request_success_total{${l},finished_reason="${reason}"} ${formatValue(value)}`);
    }
    histogram("vllm:request_prompt_tokens", "Number of prefill tokens processed.", this.requestPromptTokens);
    histogram(
      "vllm:request_generation_tokens",
      "Number of generation tokens processed.",
      this.requestGenerationTokens,
    );
    histogram(
      "vllm:time_to_first_token_seconds",
      "Histogram of time to first token in seconds.",
      this.timeToFirstToken,
    );
    const itlName = this.newNames ? "vllm:inter_token_latency_seconds" : "vllm:time_per_output_token_seconds";
    histogram(itlName, "Histogram of inter-token latency in seconds.", this.interTokenLatency);
    histogram(
      "vllm:e2e_request_latency_seconds",
      "Histogram of e2e request latency in seconds.",
      this.e2eLatency,
    );
    histogram(
      "vllm:request_queue_time_seconds",
      "Histogram of time spent in WAITING phase for request.",
      this.queueTime,
    );
    return `${lines.join("\n")}\n`;
  }
}
