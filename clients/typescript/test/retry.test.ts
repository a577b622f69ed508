// Retries and the deadline, with a local proxy in front of phonelookup serve
// that answers a script of faults first.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { createClient, DeadlineError, GatewayError, NetworkError, PhonelookupError, PhonelookupProblem } from "@phonelookup/client";

import { closedUrl, faultProxy, problem, serveUrl } from "./helpers.js";

const json = { "content-type": "application/json" };
const problemJson = { "content-type": "application/problem+json" };
const unavailable = { status: 503, headers: { ...problemJson, "retry-after": "1" }, body: problem(503, "tag:phonelookup,2026:problem/throttled", "Throttled") };
const tooMany = { status: 429, headers: json, body: '{"message":"Too Many Requests"}' };

describe("retries", () => {
  it("a 503 is retried after its Retry-After, then answered", async () => {
    const p = await faultProxy(serveUrl(), [unavailable]);
    try {
      const t0 = Date.now();
      const a = await createClient({ baseUrl: p.url }).searchByPhone("+44 20 7946 0101");
      const took = Date.now() - t0;
      assert.equal(a.customers.length, 1);
      assert.equal(p.seen.length, 2);
      assert.ok(took >= 1000, `retried after ${took} ms, Retry-After is 1 s`);
    } finally {
      await p.close();
    }
  });
  it("a 429 is retried with backoff, twice, then answered", async () => {
    const p = await faultProxy(serveUrl(), [tooMany, tooMany]);
    try {
      const c = createClient({ baseUrl: p.url, retry: { baseDelayMs: 50, maxDelayMs: 200 } });
      assert.deepEqual(await c.resolveByPhone("+44 20 7946 0303"), { kind: "none", phone: "+442079460303" });
      assert.equal(p.seen.length, 3);
    } finally {
      await p.close();
    }
  });
  it("attempts are bounded: the last error is thrown", async () => {
    const p = await faultProxy(serveUrl(), [tooMany, tooMany, tooMany]);
    try {
      const c = createClient({ baseUrl: p.url, retry: { maxAttempts: 2, baseDelayMs: 10 } });
      const err = await c.searchByPhone("+44 20 7946 0101").catch((e: unknown) => e);
      assert.ok(err instanceof GatewayError);
      assert.equal(err.status, 429);
      assert.equal(p.seen.length, 2);
    } finally {
      await p.close();
    }
  });
  it("a 4xx problem is never retried", async () => {
    const p = await faultProxy(serveUrl(), []);
    try {
      const err = await createClient({ baseUrl: p.url }).searchByPhone("12").catch((e: unknown) => e);
      assert.ok(err instanceof PhonelookupProblem);
      assert.equal(err.status, 400);
      assert.equal(p.seen.length, 1);
    } finally {
      await p.close();
    }
  });
  it("both DELETEs are retried (idempotent): a forget after a 503 counts only what is left", async () => {
    const p = await faultProxy(serveUrl(), [unavailable]);
    try {
      const who = "eu-west-1:never-linked@example.com";
      assert.deepEqual(await createClient({ baseUrl: p.url }).forgetCustomer(who), { cognitoId: who, removed: 0 });
      assert.deepEqual(p.seen.map((s) => s.split(" ")[0]), ["DELETE", "DELETE"]);
    } finally {
      await p.close();
    }
  });
  it("a network error is retried, then a NetworkError", async () => {
    const c = createClient({ baseUrl: await closedUrl(), retry: { maxAttempts: 3, baseDelayMs: 10 } });
    const err = await c.searchByPhone("+44 20 7946 0101").catch((e: unknown) => e);
    assert.ok(err instanceof NetworkError);
    assert.ok(err instanceof PhonelookupError);
    assert.ok(!err.message.includes("7946"), err.message);
  });
});

describe("deadline", () => {
  it("an API that does not answer: DeadlineError at the deadline", async () => {
    const p = await faultProxy(serveUrl(), ["hang"]);
    try {
      const t0 = Date.now();
      const err = await createClient({ baseUrl: p.url, retry: { deadlineMs: 300 } }).searchByPhone("+44 20 7946 0101").catch((e: unknown) => e);
      const took = Date.now() - t0;
      assert.ok(err instanceof DeadlineError);
      assert.ok(took >= 290 && took < 2000, `gave up after ${took} ms`);
    } finally {
      await p.close();
    }
  });
  it("an answer whose body stops coming: DeadlineError at the deadline", async () => {
    const p = await faultProxy(serveUrl(), ["stall"]);
    try {
      const err = await createClient({ baseUrl: p.url, retry: { deadlineMs: 300 } }).searchByPhone("+44 20 7946 0101").catch((e: unknown) => e);
      assert.ok(err instanceof DeadlineError, String(err));
    } finally {
      await p.close();
    }
  });
  it("a Retry-After beyond the deadline: DeadlineError at once, the 503 as its cause", async () => {
    const later = { ...unavailable, headers: { ...problemJson, "retry-after": "10" } };
    const p = await faultProxy(serveUrl(), [later]);
    try {
      const t0 = Date.now();
      const err = await createClient({ baseUrl: p.url, retry: { deadlineMs: 2000 } }).searchByPhone("+44 20 7946 0101").catch((e: unknown) => e);
      assert.ok(err instanceof DeadlineError);
      assert.ok(err.cause instanceof PhonelookupProblem);
      assert.ok(Date.now() - t0 < 1500);
      assert.equal(p.seen.length, 1);
    } finally {
      await p.close();
    }
  });
});
