import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GatewayError } from "../../gateway/errors.ts";
import { isForbiddenAddress } from "../../gateway/fetching/address-policy.ts";
import { createRemoteFileFetcher, type RemoteFetchPolicy } from "../../gateway/fetching/fetch-remote-file.ts";
import { readReceipt } from "../support/fixtures.ts";

const receipt = readReceipt("000");
let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    switch (url.pathname) {
      case "/receipt.jpg":
        res.writeHead(200, { "content-type": "image/jpeg" }).end(receipt);
        return;
      case "/to-loopback":
        res.writeHead(302, { location: `http://127.0.0.1:${port}/receipt.jpg` }).end();
        return;
      case "/to-metadata":
        res.writeHead(301, { location: "http://169.254.169.254/latest/meta-data/" }).end();
        return;
      case "/loop":
        res.writeHead(302, { location: "/loop" }).end();
        return;
      case "/html":
        res.writeHead(200, { "content-type": "text/html" }).end("<html></html>");
        return;
      case "/huge":
        res.writeHead(200, { "content-type": "image/png" });
        res.end(Buffer.alloc(2 * 1024 * 1024));
        return;
      case "/slow":
        res.writeHead(200, { "content-type": "image/png" });
        res.write("x");
        return;
      case "/hang-up":
        req.socket.destroy();
        return;
      default:
        res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const policy = (overrides: Partial<RemoteFetchPolicy> = {}): RemoteFetchPolicy => ({
  maxBytes: 1024 * 1024,
  timeoutMs: 1_000,
  maxRedirects: 3,
  allowedPrivateHosts: ["localhost"],
  acceptedTypes: /^(image\/|application\/pdf$)/,
  ...overrides,
});

async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

describe("fetchRemoteFile", () => {
  it("fetches an allow-listed host's image", async () => {
    const { fetchRemoteFile, close } = createRemoteFileFetcher(policy());
    const file = await fetchRemoteFile(`http://localhost:${port}/receipt.jpg`);
    expect(file.contentType).toBe("image/jpeg");
    expect(file.bytes.equals(receipt)).toBe(true);
    await close();
  });

  it.each([
    ["loopback literal", "http://127.0.0.1/receipt.jpg"],
    ["metadata address", "http://169.254.169.254/latest/meta-data/"],
    ["private range", "http://10.1.2.3/a.png"],
    ["IPv6 loopback", "http://[::1]/a.png"],
    ["IPv4-mapped IPv6", "http://[::ffff:127.0.0.1]/a.png"],
    ["decimal-encoded loopback", "http://2130706433/a.png"],
    ["localhost name", "http://localhost/a.png"],
  ])("refuses a %s with 403", async (_name, url) => {
    const { fetchRemoteFile, close } = createRemoteFileFetcher(policy({ allowedPrivateHosts: [] }));
    const error = await failure(fetchRemoteFile(url));
    expect(error.status).toBe(403);
    expect(error.code).toBe("url_not_allowed");
    await close();
  });

  it("re-checks every redirect hop (to loopback and to cloud metadata)", async () => {
    const { fetchRemoteFile, close } = createRemoteFileFetcher(policy());
    expect((await failure(fetchRemoteFile(`http://localhost:${port}/to-loopback`))).code).toBe(
      "url_not_allowed",
    );
    expect((await failure(fetchRemoteFile(`http://localhost:${port}/to-metadata`))).code).toBe(
      "url_not_allowed",
    );
    await close();
  });

  it("limits redirects, size, time and content type", async () => {
    const { fetchRemoteFile, close } = createRemoteFileFetcher(policy({ timeoutMs: 300 }));
    expect((await failure(fetchRemoteFile(`http://localhost:${port}/loop`))).code).toBe("too_many_redirects");
    const big = await failure(fetchRemoteFile(`http://localhost:${port}/huge`));
    expect([big.status, big.code]).toEqual([413, "remote_file_too_large"]);
    const slow = await failure(fetchRemoteFile(`http://localhost:${port}/slow`));
    expect([slow.status, slow.code]).toEqual([504, "remote_fetch_timeout"]);
    const html = await failure(fetchRemoteFile(`http://localhost:${port}/html`));
    expect([html.status, html.code]).toEqual([415, "unsupported_media_type"]);
    expect((await failure(fetchRemoteFile(`http://localhost:${port}/missing`))).code).toBe(
      "remote_fetch_failed",
    );
    await close();
  });

  it("says why remote_fetch_failed: the HTTP status, DNS, a refused or dropped connection", async () => {
    const { fetchRemoteFile, close } = createRemoteFileFetcher(
      policy({ allowedPrivateHosts: ["localhost", "127.0.0.1"] }),
    );
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port: free } = probe.address() as AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    const cases: Array<[string, RegExp]> = [
      [`http://localhost:${port}/missing`, new RegExp(`localhost:${port} answered HTTP 404`)],
      ["http://no-such-host.invalid/receipt.jpg", /no-such-host\.invalid: DNS lookup failed/],
      [`http://127.0.0.1:${closedPort}/receipt.jpg`, /connection refused/],
      [`http://localhost:${port}/hang-up`, /connection (closed|reset) by the server/],
    ];
    for (const [url, reason] of cases) {
      const error = await failure(fetchRemoteFile(url));
      expect([error.status, error.code], url).toEqual([400, "remote_fetch_failed"]);
      expect(error.message).toMatch(reason);
    }
    await close();
  });

  it.each([
    "file:///etc/passwd",
    "ftp://example.com/a.png",
    "gopher://x",
    "not a url",
    "http://user:pw@example.com/a.png",
  ])("rejects %s as an invalid URL", async (url) => {
    const { fetchRemoteFile, close } = createRemoteFileFetcher(policy());
    const error = await failure(fetchRemoteFile(url));
    expect([error.status, error.code]).toEqual([400, "invalid_url"]);
    await close();
  });
});

describe("isForbiddenAddress", () => {
  it("tells private from public addresses", () => {
    for (const address of [
      "127.0.0.1",
      "10.0.0.1",
      "172.16.5.5",
      "192.168.1.1",
      "169.254.169.254",
      "::1",
      "fd00::1",
      "fe80::1",
      "0.0.0.0",
      "100.64.0.1",
    ]) {
      expect(isForbiddenAddress(address), address).toBe(true);
    }
    for (const address of ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "172.32.0.1"]) {
      expect(isForbiddenAddress(address), address).toBe(false);
    }
  });

  it("sees through IPv6 forms that carry a private IPv4 address, and refuses tunnel and site-local ranges", () => {
    for (const address of [
      "[::127.0.0.1]",
      "::7f00:1",
      "::ffff:127.0.0.1",
      "::ffff:7f00:1",
      "::ffff:0:7f00:1",
      "::ffff:0:a9fe:a9fe",
      "64:ff9b::10.0.0.1",
      "2002:7f00:1::",
      "2002:a9fe:a9fe::1",
      "2001:0:4136:e378:8000:63bf:3fff:fdd2",
      "2001::1",
      "fec0::1",
      "feff::1",
      "not-an-address",
    ]) {
      expect(isForbiddenAddress(address), address).toBe(true);
    }
    for (const address of ["::ffff:8.8.8.8", "2002:808:808::1", "[2606:4700:4700::1111]"]) {
      expect(isForbiddenAddress(address), address).toBe(false);
    }
  });

  it("refuses a URL whose host is a bracketed IPv4-compatible loopback", async () => {
    const { fetchRemoteFile, close } = createRemoteFileFetcher(policy());
    const error = await failure(fetchRemoteFile(`http://[::127.0.0.1]:${port}/receipt.jpg`));
    expect([error.status, error.code]).toEqual([403, "url_not_allowed"]);
    await close();
  });

  it("closes its keep-alive connections on close()", async () => {
    const { fetchRemoteFile, close } = createRemoteFileFetcher(
      policy({ allowedPrivateHosts: ["127.0.0.1"] }),
    );
    const sockets: Array<Promise<void>> = [];
    const onConnection = (socket: import("node:net").Socket) =>
      sockets.push(new Promise((resolve) => socket.once("close", () => resolve())));
    server.on("connection", onConnection);
    try {
      await fetchRemoteFile(`http://127.0.0.1:${port}/receipt.jpg`);
      expect(sockets).toHaveLength(1);
      await close();
      await Promise.all(sockets);
      await expect(fetchRemoteFile(`http://127.0.0.1:${port}/receipt.jpg`)).rejects.toThrow();
    } finally {
      server.off("connection", onConnection);
    }
  });
});
