#!/usr/bin/env bash
# demo.sh BIN: the body of `make run`, run by emulators.js with the AWS SDK
# pointed at the local emulators. It creates the table, processes the sample
# events and shows what support would find.
set -uo pipefail
bin=$1
samples=testdata/events/samples.jsonl

step() { printf '\n== %s\n' "$*"; }

step "phonelookup setup"
"$bin" setup || exit 1

step "phonelookup process $samples (the samples include invalid events on purpose)"
"$bin" process "$samples"
echo "(exit status $?: 1 means some lines were invalid or failed, as listed above)"

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
