package events

// OccurredAtPattern exposes occurredAtPattern to the external tests.
const OccurredAtPattern = occurredAtPattern
