import { errors, json, type PathContext, type PathItems, schemaRef } from "../operation-parts.ts";

/** Health, readiness, metrics and the reference itself: open, outside /v1. */
export function operationsPaths({ metricsSecurity }: PathContext): PathItems {
  const metricsProtected = metricsSecurity.length > 0;
  return {
    "/health": {
      get: {
        operationId: "health",
        tags: ["Operations"],
        summary: "Liveness: the process answers",
        responses: { "200": json("Alive.", schemaRef("Health")) },
      },
    },
    "/ready": {
      get: {
        operationId: "ready",
        tags: ["Operations"],
        summary: "Readiness: the backend can take work",
        responses: {
          "200": json("Ready.", schemaRef("Readiness")),
          "503": json("Not ready (no model server answers).", schemaRef("Readiness")),
        },
      },
    },
    "/metrics": {
      get: {
        operationId: "metrics",
        tags: ["Operations"],
        summary: "Prometheus metrics",
        ...(metricsProtected ? { security: metricsSecurity } : {}),
        responses: {
          "200": {
            description: "Prometheus text exposition format.",
            content: { "text/plain": { schema: { type: "string" } } },
          },
          ...(metricsProtected ? errors("Unauthorized") : {}),
        },
      },
    },
    "/openapi.json": {
      get: {
        operationId: "openapi",
        tags: ["Operations"],
        summary: "This OpenAPI 3.1 document",
        responses: { "200": json("The document.", { type: "object" }) },
      },
    },
    "/docs": {
      get: {
        operationId: "docs",
        tags: ["Operations"],
        summary: "Interactive API reference (Swagger UI)",
        responses: {
          "200": { description: "An HTML page.", content: { "text/html": { schema: { type: "string" } } } },
        },
      },
    },
  };
}
