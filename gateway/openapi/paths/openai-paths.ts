import {
  errors,
  INPUT_ERRORS,
  json,
  jsonOrEventStream,
  modelVersionParameter,
  type PathContext,
  type PathItems,
  schemaRef,
  UPSTREAM_ERRORS,
} from "../operation-parts.ts";

/** `POST /v1/chat/completions` and `GET /v1/models[/{id}]`. */
export function openAiPaths({ secured, authErrors }: PathContext): PathItems {
  return {
    "/v1/chat/completions": {
      post: secured({
        operationId: "createChatCompletion",
        parameters: [modelVersionParameter],
        tags: ["OpenAI"],
        summary: "OpenAI chat completions with image messages",
        description:
          "Passed to the model server with HunyuanOCR's recommended defaults where the client left them " +
          "unset; unknown fields (vLLM extras) pass through. `stream: true` answers Server-Sent Events ending " +
          "with `data: [DONE]`; a failure mid-stream is an error event, never a truncated answer.",
        requestBody: {
          required: true,
          content: { "application/json": { schema: schemaRef("ChatCompletionRequest") } },
        },
        responses: {
          "200": jsonOrEventStream(
            "The completion (JSON), or its chunks (`stream: true`).",
            "ChatCompletion",
            "`data: <chunk JSON>` frames.",
          ),
          ...errors(...INPUT_ERRORS, ...authErrors, ...UPSTREAM_ERRORS),
        },
      }),
    },
    "/v1/models": {
      get: secured({
        operationId: "listModels",
        tags: ["OpenAI"],
        summary: "The served model (or embedded engine) and the names it answers to",
        responses: {
          "200": json("Models in OpenAI's list shape.", schemaRef("ModelList")),
          ...errors(...authErrors),
        },
      }),
    },
    "/v1/models/{id}": {
      get: secured({
        operationId: "retrieveModel",
        tags: ["OpenAI"],
        summary: "One model by name or alias",
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
        responses: { "200": json("The model.", schemaRef("Model")), ...errors(...authErrors, "NotFound") },
      }),
    },
  };
}
