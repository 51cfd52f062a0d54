import { lastUserText } from "./chat-request.ts";
import { receiptFields, sampleFromSchema } from "./schema-sample.ts";
import { resolveConstraint } from "./structured-output.ts";
import type { ChatRequestBody, ScriptedAnswer } from "./types.ts";
import type { VersionFeatures } from "./version.ts";

/** Receipt lines with their boxes normalised to 0–1000, as HunyuanOCR's spotting task reports them. */
const receiptLines: [string, [number, number, number, number]][] = [
  ["BOOK TA .K (TAMAN DAYA) SDN BHD", [112, 95, 889, 120]],
  ["NO.53 55,57 & 59, JALAN SAGU 18,", [160, 130, 845, 152]],
  ["TAMAN DAYA, 81100 JOHOR BAHRU, JOHOR.", [140, 160, 860, 182]],
  ["DATE: 25/12/2018 8:13:39 PM", [90, 300, 560, 322]],
  ["KF MODELLING CLAY KIDDY FISH (9.00)", [90, 420, 700, 445]],
  ["TOTAL: 9.00", [90, 640, 910, 665]],
];

/** HunyuanOCR's special tokens, printed only with `skip_special_tokens: false`. */
const specialTokens = {
  quad: "<｜hy_place▁holder▁no▁110｜>",
  quadEnd: "<｜hy_place▁holder▁no▁111｜>",
  ref: "<｜hy_place▁holder▁no▁112｜>",
  refEnd: "<｜hy_place▁holder▁no▁113｜>",
};

const plainText = receiptLines.map(([text]) => text).join("\n");

const documentMarkdown = [
  `# ${receiptFields.company}`,
  "",
  receiptFields.address,
  "",
  "<table><tr><td>ITEM</td><td>TOTAL</td></tr><tr><td>KF MODELLING CLAY KIDDY FISH</td><td>9.00</td></tr></table>",
  "",
  "TOTAL: 9.00",
].join("\n");

function spottingText(skipSpecialTokens: boolean): string {
  return receiptLines
    .map(([text, [x1, y1, x2, y2]]) => {
      const quad = `(${x1},${y1}),(${x2},${y2})`;
      if (skipSpecialTokens) return text + quad;
      const { ref, refEnd, quad: quadStart, quadEnd } = specialTokens;
      return `${ref}${text}${refEnd}${quadStart}${quad}${quadEnd}`;
    })
    .join("");
}

function requestedKeys(prompt: string): string[] | undefined {
  const list = /(?:提取图片中的|fields)\s*[:：]\s*\[([^\]]*)\]/i.exec(prompt)?.[1];
  if (list === undefined) return undefined;
  return Array.from(list.matchAll(/'([^']*)'|"([^"]*)"/g), (match) => match[1] ?? match[2] ?? "");
}

function fieldsObject(keys: string[]): Record<string, string> {
  return Object.fromEntries(keys.map((key) => [key, receiptFields[key.toLowerCase()] ?? ""]));
}

/** Text for an unconstrained request, chosen from the task prompt. */
function answerForPrompt(prompt: string, skipSpecialTokens: boolean): string {
  if (/检测并识别|detect and recognize/i.test(prompt)) return spottingText(skipSpecialTokens);
  const keys = requestedKeys(prompt);
  if (keys !== undefined) return `\`\`\`json\n${JSON.stringify(fieldsObject(keys), null, 2)}\n\`\`\``;
  if (/markdown/i.test(prompt)) return documentMarkdown;
  if (/公式|formula/i.test(prompt)) return "$$E = mc^2$$";
  if (/表格|table/i.test(prompt)) return "<table><tr><td>ITEM</td><td>TOTAL</td></tr></table>";
  if (/字幕|subtitle/i.test(prompt)) return "HELLO WORLD\n你好，世界";
  return plainText;
}

/**
 * The built-in answerer: HunyuanOCR-like output for the task prompt of the last user message, or a JSON
 * document valid for the request's structured-output constraint.
 */
export function createDefaultAnswerer(
  features: VersionFeatures,
): (request: ChatRequestBody) => ScriptedAnswer {
  return function answerLikeHunyuanOcr(request) {
    const prompt = lastUserText(request);
    const constraint = resolveConstraint(request, features);
    if (constraint?.kind === "json") {
      if (constraint.schema !== undefined)
        return { text: JSON.stringify(sampleFromSchema(constraint.schema)) };
      const keys = requestedKeys(prompt);
      return { text: JSON.stringify(keys === undefined ? { text: plainText } : fieldsObject(keys)) };
    }
    if (constraint?.kind === "choice") return { text: constraint.choices[0] ?? "" };
    return { text: answerForPrompt(prompt, request.skip_special_tokens !== false) };
  };
}
