// Package local is the face of the API that `phonelookup serve` runs on an
// engineer's machine: the support console beside the API, the guard a
// browser client needs (the Host allow-list against DNS rebinding, the
// cross-site check on state-changing requests), the server's limits, serving
// until told to stop (Serve) and the loopback check (IsLoopback).
package local
