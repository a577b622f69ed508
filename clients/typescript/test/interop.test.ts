// The error classes answer instanceof across the package's two builds: an
// application (or its dependencies) may load the ESM and the CommonJS copy.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { describe, it } from "node:test";

import * as esm from "@phonelookup/client";

import { serveUrl } from "./helpers.js";

const cjs = createRequire(import.meta.url)("@phonelookup/client") as typeof esm;

describe("ESM and CommonJS", () => {
  it("are two copies of the classes", () => {
    assert.notEqual(cjs.PhonelookupProblem, esm.PhonelookupProblem);
    assert.equal(typeof cjs.createClient, "function");
  });
  const problem = { type: "about:blank" as const, title: "Not Found", status: 404 };
  const made: Array<[string, (m: typeof esm) => Error]> = [
    ["PhonelookupProblem", (m) => new m.PhonelookupProblem(problem)],
    ["GatewayError", (m) => new m.GatewayError(429, "Too Many Requests")],
    ["NetworkError", (m) => new m.NetworkError("searchByPhone", new Error("x"))],
    ["DeadlineError", (m) => new m.DeadlineError("searchByPhone", 10)],
  ];
  const classes = ["PhonelookupProblem", "GatewayError", "NetworkError", "DeadlineError"] as const;
  for (const [name, make] of made) {
    for (const [from, to] of [[esm, cjs], [cjs, esm], [esm, esm], [cjs, cjs]] as const) {
      it(`a ${name} of ${from === esm ? "ESM" : "CJS"} is one for ${to === esm ? "ESM" : "CJS"}, and nothing else`, () => {
        const e = make(from);
        assert.ok(e instanceof Error);
        assert.ok(e instanceof to.PhonelookupError);
        for (const c of classes) assert.equal(e instanceof to[c], c === name, `instanceof ${c}`);
      });
    }
  }
  it("plain errors and non-objects are none of them", () => {
    for (const v of [new Error("x"), null, undefined, 1, "s", {}]) {
      for (const c of [...classes, "PhonelookupError"] as const) assert.equal(v instanceof esm[c], false);
    }
  });
  it("the CommonJS build calls the API; its problem is an ESM PhonelookupProblem", async () => {
    const err = await cjs.createClient({ baseUrl: serveUrl() }).searchByPhone("1").catch((e: unknown) => e);
    assert.ok(err instanceof esm.PhonelookupProblem);
    assert.equal(err.status, 400);
  });
});
