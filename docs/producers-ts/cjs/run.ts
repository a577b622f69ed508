// Not in the guide: make check-ts runs this after compiling validate.ts.
import { assertValid } from "./validate";

const event = {
  eventId: "evt-1", eventType: "OrderCommitted", version: 1, source: "graphql",
  occurredAt: "2026-11-01T09:05:00.001Z", order: { id: "ord-1", fulfillmentType: "collection" },
};
assertValid(event);
let rejected = false;
try {
  assertValid({ ...event, occurredAt: "yesterday" });
} catch {
  rejected = true;
}
if (!rejected) throw new Error("cjs: an event with a bad occurredAt passed assertValid");
console.log("cjs: the guide's validator accepts a valid event and rejects an invalid one");
