import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "./child-processes.ts";

const NGINX_DIR = path.join(REPO_ROOT, "deploy/nginx");

export interface NginxTestLayout {
  /** The temp dir used as nginx's prefix: pid, logs, temp files, generated config. */
  prefix: string;
  gatewayAddress: string;
  httpPort: number;
  /**
   * With a port and a cert dir (holding fullchain.pem and privkey.pem), the TLS server file is copied into
   * conf.d as docs/deployment.md says, under `fileName` (default: its own name, ocr-gateway-tls.conf).
   */
  tls?: { port: number; certDir: string; fileName?: string };
}

/**
 * The project's nginx files laid out as in the nginx container: every `deploy/nginx/conf.d/*.conf` (plus the
 * TLS file when enabled) under `<prefix>/conf.d/`, which the main config includes with nginx's own glob, so
 * file order is nginx's. They are rewritten only where a test run must differ from a deployment: the upstream
 * address, the listen ports, and the paths of snippets, certificates and logs. Returns the main `nginx.conf`
 * and the files to write, by path relative to the prefix; limits, buffering, timeouts and headers are the
 * project's own.
 */
export function buildNginxTestConfig(layout: NginxTestLayout): { main: string; files: Map<string, string> } {
  const { prefix } = layout;
  const rewrites: Array<[from: string, to: string]> = [
    ["/etc/nginx/snippets/", `${NGINX_DIR}/snippets/`],
    ["/var/log/nginx/", `${prefix}/`],
    ["server gateway:8000;", `server ${layout.gatewayAddress};`],
    ["listen 80;", `listen 127.0.0.1:${layout.httpPort};`],
  ];
  const sources = readdirSync(path.join(NGINX_DIR, "conf.d"))
    .filter((name) => name.endsWith(".conf"))
    .map((name) => ({ from: `conf.d/${name}`, to: `conf.d/${name}` }));
  if (layout.tls !== undefined) {
    sources.push({
      from: "tls/ocr-gateway-tls.conf",
      to: `conf.d/${layout.tls.fileName ?? "ocr-gateway-tls.conf"}`,
    });
    rewrites.push(
      ["listen 443 ssl;", `listen 127.0.0.1:${layout.tls.port} ssl;`],
      ["/etc/nginx/certs/", `${layout.tls.certDir}/`],
    );
  }

  const files = new Map<string, string>();
  for (const source of sources) files.set(source.to, readFileSync(path.join(NGINX_DIR, source.from), "utf8"));
  for (const [from, to] of rewrites) {
    const using = [...files].filter(([, text]) => text.includes(from));
    // A rewrite that no longer matches means the project files changed and the test would drift.
    if (using.length === 0) throw new Error(`no file in deploy/nginx contains ${JSON.stringify(from)}`);
    for (const [name, text] of using) files.set(name, text.split(from).join(to));
  }

  // As root, nginx would switch its workers to `nobody`, who cannot use the temp dirs in the prefix.
  const user = process.getuid?.() === 0 ? "user root;\n" : "";
  const main = `${user}daemon off;
master_process on;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 256; }
http {
  default_type application/octet-stream;
  client_body_temp_path ${prefix}/client_body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  include ${prefix}/conf.d/*.conf;
}
`;
  return { main, files };
}

/** Writes the config of `buildNginxTestConfig` under its prefix; returns the path of the main file. */
export function writeNginxTestConfig(layout: NginxTestLayout): string {
  const { main, files } = buildNginxTestConfig(layout);
  for (const [name, text] of files) {
    mkdirSync(path.dirname(path.join(layout.prefix, name)), { recursive: true });
    writeFileSync(path.join(layout.prefix, name), text);
  }
  const configFile = path.join(layout.prefix, "nginx.conf");
  writeFileSync(configFile, main);
  return configFile;
}
