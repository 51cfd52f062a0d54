import { type BadInputCase, chat, imagePart, mistral } from "./request-builders.ts";

/** SSRF: URLs the gateway must refuse to fetch, directly and after redirects (served by `redirectBase`), in both endpoints. */
export function urlCases(redirectBase: string): BadInputCase[] {
  const cases: BadInputCase[] = [];
  const add = (entry: BadInputCase) => cases.push(entry);
  // SSRF: URLs the gateway must refuse to fetch, directly and after redirects, in both endpoints.
  const ssrf = [
    "http://127.0.0.1/a.png",
    "http://127.1/a.png",
    "http://2130706433/a.png",
    "http://0x7f000001/a.png",
    "http://0.0.0.0/a.png",
    "http://[::1]/a.png",
    "http://[::ffff:127.0.0.1]/a.png",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://10.0.0.8/a.png",
    "http://172.16.3.4/a.png",
    "http://192.168.1.1/a.png",
    "http://100.64.0.1/a.png",
    "http://metadata.localhost/a.png",
  ];
  for (const url of ssrf) {
    add({
      name: `ocr document_url ${url}`,
      path: "/v1/ocr",
      body: mistral({ type: "document_url", document_url: url }),
      headers: { "content-type": "application/json" },
      status: [403],
      code: "url_not_allowed",
    });
    add({
      name: `chat image_url ${url}`,
      path: "/v1/chat/completions",
      body: chat(imagePart(url)),
      headers: { "content-type": "application/json" },
      status: [403],
      code: "url_not_allowed",
    });
  }
  for (const hop of ["/to-loopback", "/to-metadata", "/to-ipv6-loopback"]) {
    add({
      name: `ocr redirect ${hop}`,
      path: "/v1/ocr",
      body: mistral({ type: "image_url", image_url: `${redirectBase}${hop}` }),
      headers: { "content-type": "application/json" },
      status: [403],
      code: "url_not_allowed",
    });
    add({
      name: `chat redirect ${hop}`,
      path: "/v1/chat/completions",
      body: chat(imagePart(`${redirectBase}${hop}`)),
      headers: { "content-type": "application/json" },
      status: [403],
      code: "url_not_allowed",
    });
  }
  add({
    name: "ocr redirect to file://",
    path: "/v1/ocr",
    body: mistral({ type: "image_url", image_url: `${redirectBase}/to-file` }),
    headers: { "content-type": "application/json" },
    status: [400],
    code: "invalid_url",
  });
  for (const url of [
    "file:///etc/passwd",
    "ftp://example.com/a.png",
    "gopher://example.com/",
    "javascript:alert(1)",
    "//example.com/a.png",
  ]) {
    add({
      name: `ocr ${url}`,
      path: "/v1/ocr",
      body: mistral({ type: "document_url", document_url: url }),
      headers: { "content-type": "application/json" },
      status: [400],
      code: "invalid_url",
    });
  }

  return cases;
}
