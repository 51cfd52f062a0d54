import type { ParserName } from "../task-file-schema.ts";
import { type DocumentParseOptions, type DocumentResult, parseDocumentOutput } from "./document.ts";
import { type FieldsParseResult, parseFieldsOutput } from "./fields.ts";
import {
  parseChartOutput,
  parseFormulaOutput,
  parseSubtitlesOutput,
  parseTableOutput,
  parseTextOutput,
  type TextResult,
} from "./plain-text.ts";
import { parseSpottingOutput, type SpottingResult } from "./spotting.ts";

export type ParsedTaskOutput =
  | ({ parser: "text" | "formula" | "table" } & TextResult)
  | ({ parser: "subtitles" } & TextResult & { lines: string[] })
  | ({ parser: "chart" } & TextResult & { format: "mermaid" | "markdown" })
  | ({ parser: "spotting" } & SpottingResult)
  | ({ parser: "document" } & DocumentResult)
  | ({ parser: "fields" } & FieldsParseResult);

/**
 * Runs the parser a task names on the model's answer. Pure and never throws; trim repetition loops first
 * (`trimRepetitionLoop`). Spotting boxes stay 0–1000 normalised (`toPixelBoxes` converts them).
 */
export function parseTaskOutput(
  parser: ParserName,
  output: string,
  options: Pick<DocumentParseOptions, "tableFormat" | "figureMarkdown"> = {},
): ParsedTaskOutput {
  switch (parser) {
    case "text":
      return { parser, ...parseTextOutput(output) };
    case "formula":
      return { parser, ...parseFormulaOutput(output) };
    case "table":
      return { parser, ...parseTableOutput(output, options.tableFormat) };
    case "subtitles":
      return { parser, ...parseSubtitlesOutput(output) };
    case "chart":
      return { parser, ...parseChartOutput(output) };
    case "spotting":
      return { parser, ...parseSpottingOutput(output) };
    case "document":
      return { parser, ...parseDocumentOutput(output, options) };
    case "fields":
      return { parser, ...parseFieldsOutput(output) };
  }
}
