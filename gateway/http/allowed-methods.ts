import { PatternRouter } from "hono/router/pattern-router";

/** A route as Hono lists it in `app.routes`. */
export interface RegisteredRoute {
  method: string;
  path: string;
}

/**
 * For a path no route answered, the methods that would have matched it: what a 405's `Allow` header lists
 * (RFC 9110 §15.5.6). Built from the app's own routes, so a route added anywhere is covered; middleware
 * (`ALL`) is left out. Hono answers HEAD wherever it answers GET, so HEAD is listed with GET.
 */
export function allowedMethodsOf(routes: readonly RegisteredRoute[]): (path: string) => string[] {
  const router = new PatternRouter<string>();
  for (const { method, path } of routes) if (method !== "ALL") router.add("ALL", path, method);
  return (path) => {
    const methods = new Set(router.match("ALL", path)[0].map(([method]) => method));
    if (methods.has("GET")) methods.add("HEAD");
    return [...methods].sort();
  };
}
