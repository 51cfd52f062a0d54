import { z } from "zod";

const imageUrlPart = z.looseObject({
  type: z.literal("image_url"),
  image_url: z.looseObject({ url: z.string().min(1), detail: z.string().optional() }),
});
const textPart = z.looseObject({ type: z.literal("text"), text: z.string() });
const contentPart = z.discriminatedUnion("type", [imageUrlPart, textPart]);

const message = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool"]),
  content: z.union([z.string(), z.array(contentPart), z.null()]).optional(),
});

/**
 * The OpenAI chat request as the gateway checks it. Unknown fields pass through untouched so vLLM extras
 * (`top_k`, `repetition_penalty`, `structured_outputs`, `mm_processor_kwargs`, …) reach vLLM.
 */
export const chatRequestSchema = z.looseObject({
  model: z.string().min(1).optional(),
  messages: z.array(message).min(1),
  stream: z.boolean().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  max_tokens: z.number().int().positive().nullable().optional(),
  max_completion_tokens: z.number().int().positive().nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().gt(0).max(1).nullable().optional(),
  n: z.literal(1).nullable().optional(),
});

export type ChatRequest = z.infer<typeof chatRequestSchema>;
export type ChatMessage = ChatRequest["messages"][number];
export type ChatContentPart = z.infer<typeof contentPart>;
