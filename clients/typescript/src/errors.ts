// The client's errors. Each class answers `instanceof` by a brand registered
// with Symbol.for, so an error thrown by the ESM build is recognised by the
// CommonJS build's class and the other way round (an application that loads
// both gets two copies of every class).

import type { components } from "./schema.js";

/** A problem type the API answers (RFC 9457 `type`). */
export type ProblemType = components["schemas"]["Problem"]["type"];

const brands = {
  base: Symbol.for("@phonelookup/client:PhonelookupError"),
  problem: Symbol.for("@phonelookup/client:PhonelookupProblem"),
  gateway: Symbol.for("@phonelookup/client:GatewayError"),
  network: Symbol.for("@phonelookup/client:NetworkError"),
  deadline: Symbol.for("@phonelookup/client:DeadlineError"),
} as const;

function branded(v: unknown, brand: symbol): boolean {
  return typeof v === "object" && v !== null && (v as Record<symbol, unknown>)[brand] === true;
}

function mark(e: object, brand: symbol): void {
  Object.defineProperty(e, brand, { value: true, enumerable: false });
}

/** Any error of this client. */
export class PhonelookupError extends Error {
  static [Symbol.hasInstance](v: unknown): boolean {
    return branded(v, brands.base);
  }
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PhonelookupError";
    mark(this, brands.base);
  }
}

/** A problem (application/problem+json) the API itself answered. */
export class PhonelookupProblem extends PhonelookupError {
  static [Symbol.hasInstance](v: unknown): boolean {
    return branded(v, brands.problem);
  }
  readonly type: ProblemType;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly requestId?: string;
  constructor(p: components["schemas"]["Problem"]) {
    // The API's detail never echoes the phone number or the Cognito id.
    super(`phonelookup: ${p.status} ${p.type}: ${p.title}`);
    this.name = "PhonelookupProblem";
    mark(this, brands.problem);
    this.type = p.type;
    this.title = p.title;
    this.status = p.status;
    this.detail = p.detail;
    this.requestId = p.requestId;
  }
}

/**
 * API Gateway's own answer (`{"message": ...}`): 403 unsigned, signature
 * mismatch or not allowed; 429 throttled; its own 5xx. The message keeps the
 * gateway's first line only: a signature mismatch goes on with the canonical
 * request, which holds the path (the phone number, the Cognito id).
 */
export class GatewayError extends PhonelookupError {
  static [Symbol.hasInstance](v: unknown): boolean {
    return branded(v, brands.gateway);
  }
  readonly status: number;
  constructor(status: number, gatewayMessage: string) {
    const first = gatewayMessage.split("\n", 1)[0].slice(0, 200);
    super(`phonelookup: API Gateway answered ${status}: ${first}`);
    this.name = "GatewayError";
    mark(this, brands.gateway);
    this.status = status;
  }
}

/** The request did not get an answer (connection refused, reset, DNS). */
export class NetworkError extends PhonelookupError {
  static [Symbol.hasInstance](v: unknown): boolean {
    return branded(v, brands.network);
  }
  constructor(operation: string, cause: unknown) {
    super(`phonelookup: ${operation}: no answer from the API`, { cause });
    this.name = "NetworkError";
    mark(this, brands.network);
  }
}

/** The overall deadline passed before an answer (retries included). */
export class DeadlineError extends PhonelookupError {
  static [Symbol.hasInstance](v: unknown): boolean {
    return branded(v, brands.deadline);
  }
  readonly deadlineMs: number;
  constructor(operation: string, deadlineMs: number, cause?: unknown) {
    super(`phonelookup: ${operation}: no answer within the deadline of ${deadlineMs} ms`, { cause });
    this.name = "DeadlineError";
    mark(this, brands.deadline);
    this.deadlineMs = deadlineMs;
  }
}
