// createClient: the typed client of the find-by-phone API. Types come from
// schema.ts, which openapi-typescript generates from api/openapi.yaml.

import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";

import { DeadlineError, GatewayError, NetworkError, PhonelookupError, PhonelookupProblem } from "./errors.js";
import type { components } from "./schema.js";

type Schemas = components["schemas"];
/** The answer of a search: the E.164 searched, the customers, whether the list is cut. */
export type SearchAnswer = Schemas["SearchAnswer"];
/** A customer in a search answer: an order-backed link, or a legacy one (`legacy: true`). */
export type SearchLink = Schemas["SearchLink"];
/** A customer's page: their links, `unlinkedAt` on unlinked ones. */
export type PhonesAnswer = Schemas["PhonesAnswer"];
/** A link on the customer page. */
export type CustomerLink = Schemas["CustomerLink"];
/** The answer of forgetCustomer: how many links this request deleted. */
export type ForgetAnswer = Schemas["ForgetAnswer"];

/** AWS credentials (the shape of the AWS SDK's AwsCredentialIdentity). */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** Retries and the overall deadline of one call. */
export interface RetryOptions {
  /** Attempts in all, the first included (default 4). */
  maxAttempts?: number;
  /** Backoff base in ms (default 200): attempt n waits up to base * 2^(n-1), with full jitter. */
  baseDelayMs?: number;
  /** Backoff cap in ms (default 5000). */
  maxDelayMs?: number;
  /** Overall deadline of a call, retries and waits included, in ms (default 30000). */
  deadlineMs?: number;
}

export interface ClientOptions {
  /** The API's base URL: the stack's ApiUrl, a custom domain with its path prefix, or `phonelookup serve`. */
  baseUrl: string | URL;
  /** The AWS region to sign for (default process.env.AWS_REGION). */
  region?: string;
  /**
   * Credentials to sign every request with SigV4 (service execute-api), a
   * function that returns them, or "default" for the AWS default provider
   * chain (needs @aws-sdk/credential-provider-node). Without: unsigned.
   */
  credentials?: Credentials | (() => Promise<Credentials>) | "default";
  /** The fetch to use (default globalThis.fetch). */
  fetch?: typeof fetch;
  retry?: RetryOptions;
}

/** The universal search's answer. `phone` is the E.164 the server searched. */
export type Resolution =
  | { kind: "none"; phone: string }
  | { kind: "one"; phone: string; customer: SearchLink }
  | { kind: "many"; phone: string; customers: SearchLink[]; truncated: boolean };

export interface PhonelookupClient {
  /** The customers linked to a phone number (any spelling, sent as given), most recently seen first. */
  searchByPhone(phone: string, options?: { region?: string; limit?: number }): Promise<SearchAnswer>;
  /** A customer's phone links; unlinked ones too with includeUnlinked. */
  customerPhones(cognitoId: string, options?: { includeUnlinked?: boolean }): Promise<PhonesAnswer>;
  /** Unlink a phone from a customer. Idempotent (retried safely); a link that never was is a 404 problem. */
  unlinkPhone(cognitoId: string, phone: string, options?: { region?: string }): Promise<void>;
  /** Forget a customer (account deletion). Idempotent (retried safely): `removed` is 0 the second time. */
  forgetCustomer(cognitoId: string): Promise<ForgetAnswer>;
  /** Universal search: none, one customer (open their page) or many (the selection page). */
  resolveByPhone(phone: string, options?: { region?: string; limit?: number }): Promise<Resolution>;
}

type Query = Record<string, string>;
/** Send sends one call and returns its 2xx answer's body ("" for a 204). */
type Send = (operation: string, method: "GET" | "DELETE", path: string, query: Query) => Promise<string>;

/** RFC 3986 encoding of one path segment or query component (encodeURIComponent and !'()*). */
export function encodeSegment(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

function required(operation: string, what: string, v: string): string {
  if (typeof v !== "string" || v === "") {
    throw new TypeError(`phonelookup: ${operation}: the ${what} is empty`);
  }
  return v;
}

export function createClient(options: ClientOptions): PhonelookupClient {
  const send = sender(options);
  const json = async <T>(body: Promise<string>): Promise<T> => JSON.parse(await body) as T;
  const client: PhonelookupClient = {
    async searchByPhone(phone, o = {}) {
      const p = encodeSegment(required("searchByPhone", "phone number", phone));
      const q: Query = {};
      if (o.region !== undefined) q.region = o.region;
      if (o.limit !== undefined) q.limit = String(o.limit);
      return json(send("searchByPhone", "GET", `/v1/phones/${p}/customers`, q));
    },
    async customerPhones(cognitoId, o = {}) {
      const id = encodeSegment(required("customerPhones", "Cognito id", cognitoId));
      return json(send("customerPhones", "GET", `/v1/customers/${id}/phones`, o.includeUnlinked ? { include: "unlinked" } : {}));
    },
    async unlinkPhone(cognitoId, phone, o = {}) {
      const id = encodeSegment(required("unlinkPhone", "Cognito id", cognitoId));
      const p = encodeSegment(required("unlinkPhone", "phone number", phone));
      await send("unlinkPhone", "DELETE", `/v1/customers/${id}/phones/${p}`, o.region !== undefined ? { region: o.region } : {});
    },
    async forgetCustomer(cognitoId) {
      const id = encodeSegment(required("forgetCustomer", "Cognito id", cognitoId));
      return json(send("forgetCustomer", "DELETE", `/v1/customers/${id}`, {}));
    },
    async resolveByPhone(phone, o = {}) {
      const a = await client.searchByPhone(phone, o);
      if (a.customers.length === 0) return { kind: "none", phone: a.phone };
      if (a.customers.length === 1 && !a.truncated) return { kind: "one", phone: a.phone, customer: a.customers[0] };
      return { kind: "many", phone: a.phone, customers: a.customers, truncated: a.truncated };
    },
  };
  return client;
}

/** sender returns the function that sends one call: signed or not, retried, within the deadline. */
function sender(options: ClientOptions): Send {
  const base = new URL(options.baseUrl);
  const prefix = base.pathname.replace(/\/+$/, "");
  const doFetch = options.fetch ?? globalThis.fetch;
  const sign = signer(options, base);
  const r = {
    maxAttempts: options.retry?.maxAttempts ?? 4,
    baseDelayMs: options.retry?.baseDelayMs ?? 200,
    maxDelayMs: options.retry?.maxDelayMs ?? 5000,
    deadlineMs: options.retry?.deadlineMs ?? 30000,
  };
  const once = async (method: string, path: string, query: Query, signal: AbortSignal): Promise<Response> => {
    const headers = await sign(method, prefix + path, query);
    const qs = Object.entries(query).map(([k, v]) => `${encodeSegment(k)}=${encodeSegment(v)}`).join("&");
    return doFetch(base.origin + prefix + path + (qs ? `?${qs}` : ""), { method, headers, signal, redirect: "manual" });
  };
  return async (operation, method, path, query) => {
    const deadline = Date.now() + r.deadlineMs;
    let last: PhonelookupError | undefined;
    for (let attempt = 1; ; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new DeadlineError(operation, r.deadlineMs, last);
      let wait: number;
      try {
        const res = await once(method, path, query, AbortSignal.timeout(remaining));
        if (res.ok) return await res.text(); // within the deadline too
        last = await answerError(res);
        if (![429, 502, 503, 504].includes(res.status)) throw last;
        const after = Number(res.headers.get("retry-after") ?? NaN);
        wait = res.status === 503 && Number.isFinite(after) && after >= 0 ? after * 1000 : backoff(r, attempt);
      } catch (e) {
        if (e instanceof PhonelookupError) throw e;
        if (e instanceof Error && e.name === "TimeoutError") throw new DeadlineError(operation, r.deadlineMs, last);
        last = new NetworkError(operation, e);
        wait = backoff(r, attempt);
      }
      if (attempt >= r.maxAttempts) throw last;
      if (Date.now() + wait >= deadline) throw new DeadlineError(operation, r.deadlineMs, last);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  };
}

function backoff(r: { baseDelayMs: number; maxDelayMs: number }, attempt: number): number {
  return Math.random() * Math.min(r.maxDelayMs, r.baseDelayMs * 2 ** (attempt - 1));
}

/** answerError reads a non-2xx answer: a problem of the API, or API Gateway's own. */
async function answerError(res: Response): Promise<PhonelookupError> {
  const type = res.headers.get("content-type") ?? "";
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const b = (body ?? {}) as Record<string, unknown>;
  if (type.startsWith("application/problem+json") && typeof b.type === "string" && typeof b.title === "string") {
    return new PhonelookupProblem(body as Schemas["Problem"]);
  }
  return new GatewayError(res.status, typeof b.message === "string" ? b.message : res.statusText);
}

type Sign = (method: string, path: string, query: Query) => Promise<Record<string, string>>;

/** signer returns the request headers: SigV4-signed for execute-api with credentials, plain without. */
function signer(options: ClientOptions, base: URL): Sign {
  const accept = "application/json, application/problem+json";
  if (options.credentials === undefined) return async () => ({ accept });
  const region = options.region ?? process.env.AWS_REGION;
  if (!region) throw new TypeError("phonelookup: createClient: credentials need a region (options.region or AWS_REGION)");
  const given = options.credentials;
  const credentials =
    given === "default"
      ? async () => (await import("@aws-sdk/credential-provider-node")).defaultProvider()()
      : typeof given === "function"
        ? given
        : async () => given;
  const v4 = new SignatureV4({ service: "execute-api", region, credentials, sha256: Hash.bind(null, "sha256"), uriEscapePath: true });
  return async (method, path, query) => {
    const signed = await v4.sign({
      method,
      protocol: base.protocol,
      hostname: base.hostname,
      port: base.port ? Number(base.port) : undefined,
      path,
      query,
      headers: { host: base.host, accept },
    });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(signed.headers)) {
      if (k.toLowerCase() !== "host") headers[k] = String(v);
    }
    return headers;
  };
}
