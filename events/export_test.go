package events

// OccurredAtPattern exposes occurredAtPattern to the external tests.
const OccurredAtPattern = occurredAtPattern

// NoControlPattern exposes noControlPattern to the external tests.
const NoControlPattern = noControlPattern
