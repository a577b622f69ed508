#!/usr/bin/env bash
# dev.sh BIN ADDR: the body of `make dev`, run by emulators.js with the AWS
# SDK pointed at the local emulators. It creates the table and the queues,
# publishes and consumes the sample events, prints the support console's URL
# and the environment for the CLI in another terminal, then runs
# `phonelookup serve` on ADDR until Ctrl-C (which also stops the emulators).
set -uo pipefail
bin=$1
addr=${2:-127.0.0.1:8080}
samples=testdata/events/samples.jsonl

"$bin" setup --queues --max-receives 5 --visibility-timeout 1 || exit 1
"$bin" publish "$samples" --queue order-committed || exit 1
echo "consuming the samples (the 3 invalid events are received 5 times each, then dead-lettered)..."
# --wait 1s: the SQS emulator holds a receive until it has 10 messages or the
# wait ends, where SQS answers as soon as one is there. Exit 1 is expected:
# the invalid samples are left for the dead-letter queue.
LOG_LEVEL=${LOG_LEVEL:-error} "$bin" consume --queue order-committed --until-empty --wait 1s
rc=$?
[ "$rc" -le 1 ] || exit "$rc"

cat <<MSG

== phonelookup dev: the emulators hold the sample data; serve runs until Ctrl-C

Support console:  http://$addr/
  a search to try: http://$addr/?phone=%2B44%2020%207946%200958
  (docs/CONSOLE.md says what each page does)

The CLI in another terminal, on the same emulators and table:
  export AWS_ENDPOINT_URL_DYNAMODB=$AWS_ENDPOINT_URL_DYNAMODB
  export AWS_ENDPOINT_URL_SQS=$AWS_ENDPOINT_URL_SQS
  export AWS_REGION=$AWS_REGION AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_EC2_METADATA_DISABLED=true
  unset AWS_PROFILE AWS_SESSION_TOKEN
  $bin find "+44 20 7946 0958"

MSG
exec "$bin" serve --addr "$addr"
