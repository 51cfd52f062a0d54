import { Hono } from "hono";
import { BadRequestError } from "../errors.ts";
import type { AppDependencies, AppEnv } from "../http/request-context.ts";

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * `DELETE /v1/cache`: forgets every cached answer of the caller (API key or JWT subject; everyone's with
 * `CACHE_SCOPE=global`). `DELETE /v1/cache/{sha256}`: only those read from the document with that SHA-256,
 * as given by the `x-document-sha256` header of `/v1/ocr` answers (or `sha256sum`). Both answer
 * `{"deleted": n}`, the number of page answers removed.
 */
export function cacheRoutes({ cache }: AppDependencies) {
  const purge = async (principal: Parameters<NonNullable<typeof cache>["purge"]>[0], sha?: string) =>
    cache ? await cache.purge(principal, sha) : 0;
  return new Hono<AppEnv>()
    .delete("/v1/cache", async (c) => c.json({ deleted: await purge(c.get("principal")) }))
    .delete("/v1/cache/:sha256", async (c) => {
      const sha = c.req.param("sha256").toLowerCase();
      if (!SHA256_HEX.test(sha)) {
        throw new BadRequestError(
          "invalid_document_hash",
          "The path must end with a document's SHA-256: 64 hex digits (the x-document-sha256 header).",
          { param: "sha256" },
        );
      }
      return c.json({ deleted: await purge(c.get("principal"), sha) });
    });
}
