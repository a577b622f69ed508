// Shared by the suites: the URLs the Go harness (internal/sigv4check's
// integration test) passes in the environment, and a local proxy that
// answers a script of faults before passing requests on.
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";

function env(name: string): string {
  const v = process.env[name];
  assert.ok(v, `${name} is not set: run the suites through go test -tags integration ./internal/sigv4check (make test)`);
  return v;
}

/** phonelookup serve, unsigned. */
export const serveUrl = () => env("PHONELOOKUP_URL");
/** The SigV4-checking proxy in front of serve, under a base path prefix. */
export const signedUrl = () => env("PHONELOOKUP_SIGNED_URL");
export const region = () => env("PHONELOOKUP_TEST_REGION");
export const credentials = () => ({
  accessKeyId: env("PHONELOOKUP_TEST_KEY_ID"),
  secretAccessKey: env("PHONELOOKUP_TEST_SECRET"),
  sessionToken: env("PHONELOOKUP_TEST_TOKEN"),
});

export type Fault = "pass" | "hang" | "stall" | { status: number; headers?: Record<string, string>; body: string };

/** A proxy to target that answers the script's faults in order, then passes every request. */
export async function faultProxy(target: string, script: Fault[]) {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const step = script.shift() ?? "pass";
    if (step === "hang") return;
    if (step === "stall") {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"phone":"+4420');
      return;
    }
    if (step !== "pass") {
      res.writeHead(step.status, step.headers ?? {});
      res.end(step.body);
      return;
    }
    const t = new URL(target);
    const headers = { ...req.headers };
    delete headers.host;
    const out = http.request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    out.on("error", () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A URL nothing listens on. */
export async function closedUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

export const problem = (status: number, type: string, title: string) =>
  JSON.stringify({ type, title, status, requestId: "req-test" });
