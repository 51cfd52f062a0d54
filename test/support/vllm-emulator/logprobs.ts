// The `logprobs` of a chat choice as vLLM returns it when asked (`logprobs: true`, `top_logprobs: N`).

export interface TopLogprob {
  token: string;
  logprob: number;
  bytes: number[];
}

export interface TokenLogprob extends TopLogprob {
  top_logprobs: TopLogprob[];
}

/** vLLM's `ChatCompletionLogProbs`: one entry per generated token. */
export interface ChoiceLogprobs {
  content: TokenLogprob[];
}

const alternatives = [" the", ",", ".", "\n", " of", " and", "0", "1", ":", " a"];

/** A stable pseudo log-probability in (-1, 0) for a token, so equal requests get equal answers. */
function logprobOf(token: string, rank: number): number {
  let hash = 0;
  for (const char of token) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) % 997;
  const value = -((hash % 100) + 1) / 1000 - rank * 2.5;
  return Math.round(value * 1e6) / 1e6;
}

function entry(token: string, rank: number, logprob = logprobOf(token, rank)): TopLogprob {
  return { token, logprob, bytes: [...Buffer.from(token, "utf8")] };
}

/**
 * Logprobs of `tokens`: each with its own log-probability (`scripted[i]` when given, else a stable pseudo
 * value), its UTF-8 bytes and `topLogprobs` candidates, the sampled token first (greedy decoding picks the
 * most likely one).
 */
export function tokenLogprobs(
  tokens: readonly string[],
  topLogprobs: number,
  scripted: ReadonlyArray<number | undefined> = [],
): ChoiceLogprobs {
  return {
    content: tokens.map((token, index) => {
      const others = alternatives.filter((candidate) => candidate !== token);
      const own = entry(token, 0, scripted[index]);
      const top = [token, ...others]
        .slice(0, topLogprobs)
        .map((candidate, rank) => (rank === 0 ? own : entry(candidate, rank)));
      return { ...own, top_logprobs: top };
    }),
  };
}
