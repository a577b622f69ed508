#!/usr/bin/env bash
# demo.sh BIN: the body of `make run`, run by emulators.js with the AWS SDK
# pointed at the local emulators. It creates the table and the queues,
# publishes the sample events, consumes them until the queue is empty (the
# invalid ones end in the dead-letter queue) and shows what support would find.
set -uo pipefail
bin=$1
samples=testdata/events/samples.jsonl

step() { printf '\n== %s\n' "$*"; }

step "phonelookup setup --queues (visibility timeout 1 s so that the demo's retries are quick)"
"$bin" setup --queues --max-receives 5 --visibility-timeout 1 || exit 1

step "phonelookup publish $samples --queue order-committed"
"$bin" publish "$samples" --queue order-committed || exit 1

step "phonelookup consume --queue order-committed --until-empty --wait 1s"
echo "(the samples include 3 invalid events: each is received 5 times, then SQS moves it to the dead-letter queue;"
echo " consume exits 1 because messages failed. --wait 1s: the SQS emulator holds a receive until it has 10"
echo " messages or the wait ends, so the 20 s of AWS would make every event wait 20 s here)"
LOG_LEVEL=${LOG_LEVEL:-error} "$bin" consume --queue order-committed --until-empty --wait 1s --progress 2s
rc=$?
[ "$rc" -eq 1 ] || { echo "consume: exit $rc, want 1 (the invalid events were left for the dead-letter queue)"; exit 1; }

step "dead-letter queue: how many, and why (dlq inspect reads without consuming)"
"$bin" dlq depth --queue order-committed-dlq || exit 1
"$bin" dlq inspect --queue order-committed-dlq || exit 1

step "find: three spellings of one UK number give the same customers"
"$bin" find "+44 20 7946 0958" || exit 1
"$bin" find "0044 20 7946 0958" --region GB || exit 1
"$bin" find "020 7946 0958" --region GB --json || exit 1

step "find: the account phone of a delivery order without dropoff phone (fallback)"
"$bin" find "+1 650 253 0077" || exit 1

step "find: a US number written without +, region from the event's countryCode"
"$bin" find "(650) 555-0142" --region US || exit 1

step "find: a guest's dropoff phone was not linked"
"$bin" find "+44 20 7946 0123" || exit 1

step "the find-by-phone API: phonelookup serve (loopback, no IAM), called with curl"
log=$(mktemp)
"$bin" serve --addr 127.0.0.1:0 2>"$log" &
serve_pid=$!
trap 'kill -TERM "$serve_pid" 2>/dev/null; rm -f "$log"' EXIT
api=""
for _ in $(seq 1 100); do
	api=$(sed -n 's|.*listening on \(http://[^ ]*\).*|\1|p' "$log")
	[ -n "$api" ] && break
	kill -0 "$serve_pid" 2>/dev/null || { cat "$log"; exit 1; }
	sleep 0.1
done
[ -n "$api" ] || { echo "serve did not start"; cat "$log"; exit 1; }
echo "serving on $api"
show() { # METHOD PATH: print the request, the status and the JSON answer
	printf '\n$ curl -X %s %s\n' "$1" "$api$2"
	curl -sS -X "$1" -w '\n(HTTP %{http_code})\n' "$api$2" || exit 1
}
user=eu-west-1:7f1c2a9e-4b3d-4c8e-9f10-2b6d7e8a1c01
show GET "/v1/phones/%2B44%2020%207946%200958/customers"
show GET "/v1/phones/020%207946%200958/customers?region=GB&limit=1"
show GET "/v1/customers/$user/phones"
show DELETE "/v1/customers/$user/phones/%2B442079460958"
show GET "/v1/phones/%2B442079460958/customers"
show GET "/v1/customers/$user/phones?include=unlinked"
show GET "/v1/phones/12/customers"
show DELETE "/v1/customers/$user" # account deletion: {"cognitoId":…,"removed":N}
kill -TERM "$serve_pid"
wait "$serve_pid"
echo
echo "(the server's audit lines, one per request:)"
grep '"audit"' "$log"
tail -n 1 "$log"
echo
echo "The support console (docs/CONSOLE.md) was at $api/ while serve ran."
echo "To use it: make dev (emulators, these samples, serve until Ctrl-C), then open http://127.0.0.1:8080/"
