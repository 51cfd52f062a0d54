import { describe, expect, it } from "vitest";
import {
  checkSchemaSupported,
  normaliseAnnotationFormat,
  schemaFromKeys,
  structuredOutputFields,
} from "../../gateway/tasks/field-schema.ts";
import { validateFields } from "../../gateway/tasks/json-schema-validator.ts";

function rejection(schema: unknown): { status: number; code: string; message: string; param: string | null } {
  try {
    checkSchemaSupported(schema);
  } catch (error) {
    return error as { status: number; code: string; message: string; param: string | null };
  }
  throw new Error("expected a rejection");
}

const wrap = (property: Record<string, unknown>) => ({ type: "object", properties: { item: property } });

describe("checkSchemaSupported", () => {
  it.each([
    ["multipleOf", wrap({ type: "number", multipleOf: 0.01 }), "/properties/item/multipleOf"],
    [
      "uniqueItems",
      wrap({ type: "array", items: { type: "string" }, uniqueItems: true }),
      "/properties/item/uniqueItems",
    ],
    ["contains", wrap({ type: "array", contains: { type: "string" } }), "/properties/item/contains"],
    ["minContains", wrap({ type: "array", minContains: 1 }), "/properties/item/minContains"],
    ["maxContains", wrap({ type: "array", maxContains: 2 }), "/properties/item/maxContains"],
    [
      "patternProperties",
      wrap({ type: "object", patternProperties: { "^x": { type: "string" } } }),
      "/properties/item/patternProperties",
    ],
    [
      "propertyNames",
      wrap({ type: "object", propertyNames: { maxLength: 3 } }),
      "/properties/item/propertyNames",
    ],
    ["format", wrap({ type: "string", format: "ipv4-cidr" }), "/properties/item/format"],
    ["minLength", wrap({ type: "string", pattern: "^[0-9]+$", minLength: 2 }), "/properties/item/minLength"],
  ])("rejects %s with 422 unsupported_schema naming the feature and pointer", (feature, schema, pointer) => {
    const error = rejection(schema);
    expect(error).toMatchObject({ status: 422, code: "unsupported_schema", param: "schema" });
    expect(error.message).toContain(feature);
    expect(error.message).toContain(pointer);
  });

  it("finds features nested in arrays, anyOf and $defs, escaping the pointer", () => {
    const schema = {
      type: "object",
      properties: { "a/b": { anyOf: [{ type: "string" }, { $ref: "#/$defs/n" }] } },
      $defs: { n: { type: "integer", multipleOf: 2 } },
    };
    expect(rejection(schema).message).toContain("/$defs/n/multipleOf");
    const items = {
      type: "object",
      properties: { "a/b": { type: "array", items: { type: "array", uniqueItems: true } } },
    };
    expect(rejection(items).message).toContain("/properties/a~1b/items/uniqueItems");
  });

  it("does not mistake property names for keywords", () => {
    const schema = {
      type: "object",
      properties: {
        format: { type: "string" },
        multipleOf: { type: "string" },
        contains: { type: "string" },
      },
      required: ["format"],
    };
    expect(checkSchemaSupported(schema)).toBe(schema);
  });

  it("accepts supported formats, enums, nested objects and arrays", () => {
    const schema = {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      properties: {
        date: { type: "string", format: "date" },
        kind: { enum: ["receipt", "invoice"] },
        items: {
          type: "array",
          items: { type: "object", properties: { name: { type: "string" } } },
          maxItems: 50,
        },
        total: { type: ["string", "null"] },
      },
      required: ["date"],
      additionalProperties: false,
    };
    expect(checkSchemaSupported(schema)).toBe(schema);
    expect(checkSchemaSupported(schemaFromKeys(["a", "b"]))).toBeTruthy();
  });

  it("rejects a root that is not an object schema", () => {
    expect(rejection([{ type: "object" }]).message).toContain("must be a JSON object");
    expect(rejection({ type: "array", items: { type: "string" } }).message).toContain(
      'root must have "type": "object"',
    );
    expect(rejection({ properties: { a: { type: "string" } } }).message).toContain("/type");
  });

  it("rejects schemas that are not valid JSON Schema", () => {
    expect(rejection({ type: "object", properties: { a: { type: "text" } } }).message).toMatch(
      /not valid JSON Schema: \/properties\/a\/type/,
    );
    expect(rejection({ type: "object", required: "a" }).message).toContain("/required");
    expect(rejection({ type: "object", properties: { a: { $ref: "#/$defs/missing" } } }).message).toContain(
      "cannot be compiled",
    );
  });
});

describe("structuredOutputFields", () => {
  const schema = schemaFromKeys(["total"]);
  it("builds each request shape", () => {
    expect(structuredOutputFields(schema)).toEqual({
      response_format: { type: "json_schema", json_schema: { name: "fields", schema, strict: true } },
    });
    expect(structuredOutputFields(schema, "structured_outputs")).toEqual({
      structured_outputs: { json: schema },
    });
    expect(structuredOutputFields(schema, "guided_json")).toEqual({ guided_json: schema });
    expect(structuredOutputFields(schema, "response_format", "my receipt!")).toMatchObject({
      response_format: { json_schema: { name: "my_receipt_" } },
    });
  });

  it("schemaFromKeys can allow null", () => {
    expect(schemaFromKeys(["a"], { nullable: true }).properties).toEqual({ a: { type: ["string", "null"] } });
  });
});

describe("normaliseAnnotationFormat (Mistral document_annotation_format)", () => {
  const schema = { type: "object", properties: { total: { type: "string" } }, required: ["total"] };

  it("reads the json_schema shape, with or without a name", () => {
    expect(
      normaliseAnnotationFormat({
        type: "json_schema",
        json_schema: { name: "receipt", schema, strict: true },
      }),
    ).toEqual({
      name: "receipt",
      schema,
    });
    expect(normaliseAnnotationFormat({ type: "json_schema", json_schema: { schema } })).toEqual({ schema });
    expect(normaliseAnnotationFormat({ json_schema: { schema_definition: schema } })).toEqual({ schema });
  });

  it("gives nothing for text or absent formats", () => {
    expect(normaliseAnnotationFormat(undefined)).toBeUndefined();
    expect(normaliseAnnotationFormat({ type: "text" })).toBeUndefined();
  });

  it("rejects json_object, malformed shapes and unsupported schemas", () => {
    expect(() => normaliseAnnotationFormat({ type: "json_object" })).toThrow(/json_schema/);
    expect(() => normaliseAnnotationFormat({ type: "json_schema" })).toThrow(/json_schema must be an object/);
    const bad = {
      type: "json_schema",
      json_schema: { schema: { type: "object", properties: { n: { type: "integer", multipleOf: 3 } } } },
    };
    try {
      normaliseAnnotationFormat(bad);
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ status: 422, param: "document_annotation_format.json_schema.schema" });
    }
  });
});

describe("validateFields", () => {
  const schema = schemaFromKeys(["date", "total"]);

  it("accepts a matching object", () => {
    expect(validateFields(schema, { date: "2019-01-02", total: "9.00" })).toEqual({ valid: true });
  });

  it("explains each problem in readable words", () => {
    const result = validateFields(schema, { date: 3, extra: "x" });
    expect(result.valid).toBe(false);
    expect(!result.valid && result.errors).toEqual(
      expect.arrayContaining([
        "(root): must have required property 'total'",
        "(root): must NOT have additional properties ('extra')",
        "/date: must be string",
      ]),
    );
  });

  it("reuses schemas with $id without clashing", () => {
    const withId = { $id: "https://example.com/receipt", ...schema };
    expect(validateFields(withId, { date: "a", total: "b" })).toEqual({ valid: true });
    expect(validateFields({ ...withId }, { date: "a" }).valid).toBe(false);
  });
});
