// Package api is the find-by-phone HTTP API that the admin app calls: search
// the customers linked to a phone number, list a customer's phones, unlink an
// outdated phone, forget a customer whose account is deleted. It is one net/http handler (New) that runs under
// http.Server (`phonelookup serve`) and under the Lambda adapter for API
// Gateway HTTP APIs (cmd/api) alike.
//
// Every error is an RFC 9457 problem (application/problem+json) that never
// echoes the caller's input nor a store error; every request writes one audit
// line (who asked, the route, the status, how many results, the phone
// masked; a forgotten customer by hash). The contract is openapi.yaml, which the tests hold every response
// against.
package api
