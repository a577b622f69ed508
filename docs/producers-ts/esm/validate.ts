import { Ajv2020 } from "ajv/dist/2020.js";
import ajvFormats from "ajv-formats";
import schema from "./ordercommitted.schema.json" with { type: "json" }; // a copy of events/ordercommitted.schema.json
import type { OrderCommitted } from "./ordercommitted.js";

const addFormats = ajvFormats.default; // ajv-formats is CommonJS: its function is the default member
const ajv = new Ajv2020({ allErrors: true });
addFormats(ajv);
const validate = ajv.compile(schema);

/** Throws if event does not match the schema: a bug to fix, not to retry. */
export function assertValid(event: unknown): asserts event is OrderCommitted {
  if (!validate(event)) {
    throw new Error("invalid OrderCommitted: " + ajv.errorsText(validate.errors));
  }
}
