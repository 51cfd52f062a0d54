/** One character read by greedy CTC decoding, with where it sits on the line. */
export interface DecodedCharacter {
  text: string;
  /** Probability of the winning class, averaged over the steps the character occupies. */
  confidence: number;
  /** First and last time step (columns of the model's output, left to right) that read this character. */
  first: number;
  last: number;
  /**
   * The highest probability the space class reached on the steps between the previous character and this one
   * (0 for the first character): a gap the model thought might be a word break even where blank won.
   */
  spaceBefore: number;
}

/**
 * Greedy CTC decoding of one line: the most probable class per time step, repeats merged, blanks (class 0)
 * dropped. `classes[i]` is the text of class `i` (`classes[0]` is the blank and never read). `probabilities`
 * holds `steps` rows of `classes.length` values. Classes where `excluded[i]` is 1 never win a step.
 */
export function decodeCtc(
  probabilities: Float32Array,
  steps: number,
  classes: readonly string[],
  excluded?: Uint8Array,
): DecodedCharacter[] {
  const count = classes.length;
  const space = classes.lastIndexOf(" ");
  let gapSpace = 0;
  const characters: Array<DecodedCharacter & { sum: number }> = [];
  let previous = 0;
  let current: (DecodedCharacter & { sum: number }) | undefined;
  for (let step = 0; step < steps; step++) {
    const row = step * count;
    let best = 0;
    let bestProbability = probabilities[row] as number;
    for (let c = 1; c < count; c++) {
      const p = probabilities[row + c] as number;
      if (p > bestProbability && excluded?.[c] !== 1) {
        best = c;
        bestProbability = p;
      }
    }
    if (best !== 0 && best === previous && current !== undefined) {
      current.last = step;
      current.sum += bestProbability;
    } else if (best !== 0) {
      current = {
        text: classes[best] ?? "",
        confidence: 0,
        first: step,
        last: step,
        spaceBefore: characters.length === 0 ? 0 : gapSpace,
        sum: bestProbability,
      };
      characters.push(current);
      gapSpace = 0;
    } else if (space > 0) {
      gapSpace = Math.max(gapSpace, probabilities[row + space] as number);
    }
    previous = best;
  }
  return characters.map(({ sum, ...character }) => ({
    ...character,
    confidence: sum / (character.last - character.first + 1),
  }));
}
