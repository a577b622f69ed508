export interface OrderCommitted {
  eventId: string;
  eventType: "OrderCommitted";
  version: 1;
  source: "graphql" | "fulfillment";
  occurredAt: string;
  brand?: string | null;
  order: {
    id: string;
    fulfillmentType: string; // "delivery" | "collection" | "dine_in" | ...
    countryCode?: string | null;
    delivery?: { dropoff?: { phoneNumber?: string | null } | null } | null;
  };
  user?: {
    cognitoId?: string | null;
    details?: { phoneNumber?: string | null; countryCode?: string | null } | null;
  } | null;
}
