// Every function of the client against phonelookup serve on the emulators,
// signed through the SigV4-checking proxy (under a base path prefix, as a
// custom domain maps it) and unsigned. The data: internal/sigv4check/testdata.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { createClient, GatewayError, PhonelookupError, PhonelookupProblem } from "@phonelookup/client";
import type { PhonelookupClient, SearchLink } from "@phonelookup/client";

import { credentials, region, serveUrl, signedUrl } from "./helpers.js";

const support = "us-east-1:support@pizzaplace.example";
const signed = (): PhonelookupClient => createClient({ baseUrl: signedUrl(), region: region(), credentials: credentials() });
const unsigned = (): PhonelookupClient => createClient({ baseUrl: serveUrl() });

// What a link's kind gives the compiler: times on an order-backed link only.
function firstSeen(link: SearchLink): string | undefined {
  if (link.legacy) {
    // @ts-expect-error a legacy link has no times
    return link.firstSeenAt;
  }
  return link.firstSeenAt;
}

describe("searchByPhone", () => {
  const spellings: Array<[string, string | undefined]> = [
    ["+44 20 7946 0101", undefined],
    ["+442079460101", undefined],
    ["tel:+44-20-7946-0101", undefined],
    ["0044 (20) 7946-0101", "GB"],
    ["(020) 7946 0101", "GB"],
    ["+٤٤ ٢٠ ٧٩٤٦ ٠١٠١", undefined],
  ];
  for (const [phone, cc] of spellings) {
    it(`finds the customer of ${JSON.stringify(phone)}${cc ? ` in ${cc}` : ""}, signed`, async () => {
      const a = await signed().searchByPhone(phone, cc ? { region: cc } : {});
      assert.equal(a.phone, "+442079460101");
      assert.equal(a.truncated, false);
      assert.deepEqual(a.customers.map((c) => c.cognitoId), [support]);
      assert.equal(firstSeen(a.customers[0]), "2026-11-02T10:00:00.000Z");
    });
  }
  it("lists the customers of a shared number, most recently seen first, and cuts at limit", async () => {
    const all = await unsigned().searchByPhone("+44 20 7946 0202");
    assert.deepEqual(all.customers.map((c) => c.cognitoId.slice(10, 11)), ["3", "2", "1"]);
    assert.equal(all.truncated, false);
    const cut = await signed().searchByPhone("+44 20 7946 0202", { limit: 1 });
    assert.deepEqual(cut.customers.map((c) => c.cognitoId.slice(10, 11)), ["3"]);
    assert.equal(cut.truncated, true);
  });
  it("answers a legacy link as legacy, without times or order ids", async () => {
    const a = await signed().searchByPhone("+44 20 7946 0505");
    assert.equal(a.customers.length, 1);
    const c = a.customers[0];
    assert.equal(c.legacy, true);
    assert.equal(firstSeen(c), undefined);
    assert.deepEqual(Object.keys(c).sort(), ["cognitoId", "legacy", "phone", "sources", "via"]);
  });
});

describe("resolveByPhone", () => {
  it("none: nobody has the number", async () => {
    assert.deepEqual(await signed().resolveByPhone("020 7946 0303", { region: "GB" }), { kind: "none", phone: "+442079460303" });
  });
  it("one: the customer's page", async () => {
    const r = await signed().resolveByPhone("tel:+44-20-7946-0101");
    assert.equal(r.kind, "one");
    if (r.kind === "one") assert.equal(r.customer.cognitoId, support);
    assert.equal(r.phone, "+442079460101");
  });
  it("many: the selection page, truncated when cut", async () => {
    const r = await unsigned().resolveByPhone("+44 20 7946 0202");
    assert.equal(r.kind, "many");
    if (r.kind === "many") {
      assert.equal(r.customers.length, 3);
      assert.equal(r.truncated, false);
    }
    const cut = await signed().resolveByPhone("+44 20 7946 0202", { limit: 2 });
    assert.equal(cut.kind, "many");
    if (cut.kind === "many") assert.deepEqual([cut.customers.length, cut.truncated], [2, true]);
    const one = await signed().resolveByPhone("+44 20 7946 0202", { limit: 1 });
    assert.equal(one.kind, "many", "one customer of several is still the selection page");
  });
});

describe("customerPhones, unlinkPhone", () => {
  const who = "eu-west-1:unlink@example.com";
  it("lists a customer whose id has : and @, signed", async () => {
    const a = await signed().customerPhones(support);
    assert.equal(a.cognitoId, support);
    assert.deepEqual(a.phones.map((p) => p.phone), ["+442079460101"]);
  });
  it("unlinks a phone given in another spelling; the unlinked link shows with includeUnlinked only", async () => {
    const c = signed();
    await c.unlinkPhone(who, "tel:+44-20-7946-0404");
    await c.unlinkPhone(who, "020 7946 0404", { region: "GB" }); // idempotent
    assert.deepEqual((await c.customerPhones(who)).phones.map((p) => p.phone), ["+442079460405"]);
    const all = await c.customerPhones(who, { includeUnlinked: true });
    const gone = all.phones.find((p) => p.phone === "+442079460404");
    assert.match(gone?.unlinkedAt ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(await c.resolveByPhone("+44 20 7946 0404"), { kind: "none", phone: "+442079460404" });
  });
  it("a link that never was is a 404 problem that names neither the phone nor the customer", async () => {
    const err = await signed().unlinkPhone(who, "+44 20 7946 0303").catch((e: unknown) => e);
    assert.ok(err instanceof PhonelookupProblem);
    assert.ok(err instanceof PhonelookupError);
    assert.ok(!(err instanceof GatewayError));
    assert.equal(err.status, 404);
    assert.equal(err.type, "tag:phonelookup,2026:problem/link-not-found");
    assert.ok(err.requestId);
    for (const secret of ["7946", "0303", "unlink", "example.com"]) assert.ok(!err.message.includes(secret), err.message);
  });
});

describe("forgetCustomer", () => {
  it("deletes every link, then answers removed 0 (idempotent)", async () => {
    const c = signed();
    const who = "eu-west-1:forget@example.com";
    assert.deepEqual(await c.forgetCustomer(who), { cognitoId: who, removed: 2 });
    assert.deepEqual(await c.forgetCustomer(who), { cognitoId: who, removed: 0 });
    assert.deepEqual((await c.customerPhones(who, { includeUnlinked: true })).phones, []);
  });
});

describe("credentials", () => {
  it('"default" signs with the AWS default provider chain (here: the environment)', async () => {
    const c = credentials();
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: c.accessKeyId, AWS_SECRET_ACCESS_KEY: c.secretAccessKey, AWS_SESSION_TOKEN: c.sessionToken });
    const client = createClient({ baseUrl: signedUrl(), region: region(), credentials: "default" });
    assert.equal((await client.searchByPhone("+44 20 7946 0101")).customers.length, 1);
  });
  it("an async provider is called for every request", async () => {
    let calls = 0;
    const client = createClient({ baseUrl: signedUrl(), region: region(), credentials: async () => (calls++, credentials()) });
    await client.customerPhones(support);
    await client.customerPhones(support);
    assert.equal(calls, 2);
  });
});

describe("errors", () => {
  it("an invalid phone is a 400 problem without the input", async () => {
    const err = await unsigned().searchByPhone("not a phone 12").catch((e: unknown) => e);
    assert.ok(err instanceof PhonelookupProblem);
    assert.deepEqual([err.status, err.type], [400, "tag:phonelookup,2026:problem/invalid-phone"]);
    assert.ok(!err.message.includes("not a phone"), err.message);
  });
  it("an invalid Cognito id is a 400 problem without the input", async () => {
    const err = await signed().customerPhones("user#a@b").catch((e: unknown) => e);
    assert.ok(err instanceof PhonelookupProblem);
    assert.deepEqual([err.status, err.type], [400, "tag:phonelookup,2026:problem/invalid-cognito-id"]);
    assert.ok(!err.message.includes("user"), err.message);
  });
  it("an empty phone or id is an error before any request", async () => {
    let calls = 0;
    const c = createClient({ baseUrl: serveUrl(), fetch: async (...a) => (calls++, fetch(...a)) });
    await assert.rejects(c.searchByPhone(""), TypeError);
    await assert.rejects(c.resolveByPhone(""), TypeError);
    await assert.rejects(c.customerPhones(""), TypeError);
    await assert.rejects(c.unlinkPhone("a", ""), TypeError);
    await assert.rejects(c.forgetCustomer(""), TypeError);
    assert.equal(calls, 0);
    await c.searchByPhone("+44 20 7946 0303");
    assert.equal(calls, 1);
  });
  it("a wrong secret is API Gateway's 403, a GatewayError whose message keeps nothing of the path", async () => {
    const c = createClient({ baseUrl: signedUrl(), region: region(), credentials: { ...credentials(), secretAccessKey: "wrong" } });
    const err = await c.searchByPhone("+44 20 7946 0101").catch((e: unknown) => e);
    assert.ok(err instanceof GatewayError);
    assert.ok(!(err instanceof PhonelookupProblem));
    assert.equal(err.status, 403);
    assert.match(err.message, /signature/);
    for (const secret of ["7946", "0101", "%2B44"]) assert.ok(!err.message.includes(secret), err.message);
    const cid = await c.customerPhones(support).catch((e: unknown) => e);
    assert.ok(cid instanceof GatewayError);
    assert.ok(!cid.message.includes("support") && !cid.message.includes("%40"), cid.message);
  });
  it("an unsigned request to the signed API is a 403 GatewayError", async () => {
    const err = await createClient({ baseUrl: signedUrl() }).forgetCustomer(support).catch((e: unknown) => e);
    assert.ok(err instanceof GatewayError);
    assert.equal(err.status, 403);
  });
  it("signing for another region is a 403 GatewayError", async () => {
    const c = createClient({ baseUrl: signedUrl(), region: "ap-south-1", credentials: credentials() });
    const err = await c.searchByPhone("+44 20 7946 0101").catch((e: unknown) => e);
    assert.ok(err instanceof GatewayError);
  });
});
