import { Ajv2020 } from "ajv/dist/2020.js";

/** What the gateway answered, as the validator needs it. */
export interface RecordedResponse {
  /** e.g. "post". */
  method: string;
  /** The OpenAPI path template (`/v1/models/{id}`), or the raw path of an unknown route. */
  path: string;
  status: number;
  headers: Headers;
  body: string;
}

type Json = Record<string, unknown>;

const pointerPart = (part: string) => part.replaceAll("~", "~0").replaceAll("/", "~1");

/**
 * Checks real answers against the gateway's own OpenAPI document: the status must be declared for the
 * operation (a 405 on a path without that method against `components.responses.MethodNotAllowed`, an unknown
 * path against `NotFound`), the content type declared for that status, a JSON body valid against its schema,
 * and every header the response declares present. Returns the problems found (empty when it conforms).
 */
export function createResponseValidator(document: Json): (answer: RecordedResponse) => string[] {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  ajv.addSchema(document, "openapi.json");
  const components = document.components as { responses: Record<string, Json> };
  const paths = document.paths as Record<string, Record<string, { responses: Record<string, Json> }>>;

  function declaredResponse(answer: RecordedResponse): { pointer: string; response: Json } | string {
    const item = paths[answer.path];
    const operation = item?.[answer.method];
    let pointer: string;
    let response: Json | undefined;
    if (item == null || operation == null) {
      const name = item == null ? "NotFound" : "MethodNotAllowed";
      if ((item == null && answer.status !== 404) || (item != null && answer.status !== 405))
        return `${answer.method.toUpperCase()} ${answer.path} is not in the document, yet answered ${answer.status}`;
      pointer = `/components/responses/${name}`;
      response = components.responses[name];
    } else {
      pointer = `/paths/${pointerPart(answer.path)}/${answer.method}/responses/${answer.status}`;
      response = operation.responses[String(answer.status)];
    }
    if (response == null)
      return `${answer.method.toUpperCase()} ${answer.path}: status ${answer.status} is not declared`;
    const ref = response.$ref;
    if (typeof ref === "string") {
      const name = ref.replace("#/components/responses/", "");
      return { pointer: `/components/responses/${name}`, response: components.responses[name] ?? {} };
    }
    return { pointer, response };
  }

  return (answer) => {
    const found = declaredResponse(answer);
    if (typeof found === "string") return [found];
    const { pointer, response } = found;
    const where = `${answer.method.toUpperCase()} ${answer.path} ${answer.status}`;
    const problems: string[] = [];
    for (const header of Object.keys((response.headers ?? {}) as Json)) {
      if (!answer.headers.has(header)) problems.push(`${where}: declared header ${header} is missing`);
    }
    const content = (response.content ?? {}) as Record<string, unknown>;
    const type = (answer.headers.get("content-type") ?? "").split(";")[0]?.trim() ?? "";
    if (Object.keys(content).length === 0) {
      if (answer.body !== "") problems.push(`${where}: declared without a body, answered ${type}`);
      return problems;
    }
    if (!(type in content)) {
      problems.push(`${where}: content type ${type || "(none)"} is not declared (${Object.keys(content)})`);
      return problems;
    }
    if (type !== "application/json") return problems;
    const validate = ajv.getSchema(`openapi.json#${pointer}/content/${pointerPart(type)}/schema`);
    if (validate == null) return [...problems, `${where}: no schema at ${pointer}`];
    if (!validate(JSON.parse(answer.body))) {
      problems.push(
        `${where}: body does not match: ${ajv.errorsText(validate.errors)} — ${answer.body.slice(0, 300)}`,
      );
    }
    return problems;
  };
}
