import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import schema from "./ordercommitted.schema.json"; // a copy of events/ordercommitted.schema.json
import type { OrderCommitted } from "./ordercommitted";

const ajv = new Ajv2020({ allErrors: true });
addFormats(ajv);
const validate = ajv.compile(schema);

/** Throws if event does not match the schema: a bug to fix, not to retry. */
export function assertValid(event: unknown): asserts event is OrderCommitted {
  if (!validate(event)) {
    throw new Error("invalid OrderCommitted: " + ajv.errorsText(validate.errors));
  }
}
