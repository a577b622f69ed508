export { createClient, encodeSegment } from "./client.js";
export type {
  ClientOptions,
  Credentials,
  CustomerLink,
  ForgetAnswer,
  PhonelookupClient,
  PhonesAnswer,
  Resolution,
  RetryOptions,
  SearchAnswer,
  SearchLink,
} from "./client.js";
export { DeadlineError, GatewayError, NetworkError, PhonelookupError, PhonelookupProblem } from "./errors.js";
export type { ProblemType } from "./errors.js";
export type { components, operations, paths } from "./schema.js";
