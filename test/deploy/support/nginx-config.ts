import { readFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "./child-processes.ts";

const NGINX_DIR = path.join(REPO_ROOT, "deploy/nginx");

/** Replaces `from` by `to`, failing when the project file no longer contains `from` (the test would drift). */
function substitute(text: string, file: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`${file} no longer contains ${JSON.stringify(from)}`);
  return text.split(from).join(to);
}

export interface NginxTestLayout {
  /** The temp dir used as nginx's prefix: pid, logs, temp files, generated config. */
  prefix: string;
  gatewayAddress: string;
  httpPort: number;
  /** With a port and a cert dir (holding fullchain.pem and privkey.pem), the TLS server file is enabled too. */
  tls?: { port: number; certDir: string };
}

/**
 * The project's nginx files, rewritten only where a test run must differ from a deployment: the upstream
 * address, the listen ports, and the paths of snippets, certificates and logs. Returns the text of a main
 * `nginx.conf` that includes them; everything else (limits, buffering, timeouts, headers) is the project's own.
 */
export function buildNginxTestConfig(layout: NginxTestLayout): { main: string; included: string[] } {
  const { prefix } = layout;
  const common = (text: string, file: string) =>
    substitute(
      substitute(text, file, "/etc/nginx/snippets/", `${NGINX_DIR}/snippets/`),
      file,
      "/var/log/nginx/",
      `${prefix}/`,
    );

  const siteFile = "conf.d/ocr-gateway.conf";
  let site = readFileSync(path.join(NGINX_DIR, siteFile), "utf8");
  site = substitute(site, siteFile, "server gateway:8000;", `server ${layout.gatewayAddress};`);
  site = substitute(site, siteFile, "listen 80;", `listen 127.0.0.1:${layout.httpPort};`);
  const included = [common(site, siteFile)];

  if (layout.tls !== undefined) {
    const tlsFile = "tls/ocr-gateway-tls.conf";
    let tls = readFileSync(path.join(NGINX_DIR, tlsFile), "utf8");
    tls = substitute(tls, tlsFile, "listen 443 ssl;", `listen 127.0.0.1:${layout.tls.port} ssl;`);
    tls = substitute(tls, tlsFile, "/etc/nginx/certs/", `${layout.tls.certDir}/`);
    included.push(common(tls, tlsFile));
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
${included.map((_, index) => `  include ${prefix}/site-${index}.conf;`).join("\n")}
}
`;
  return { main, included };
}
