#!/bin/sh
# Seeds each fuzz target's corpus from the project's own fixtures, then
#   cargo +nightly fuzz run <query|config|feed|extract> -- -max_total_time=300
set -e
cd "$(dirname "$0")"
mkdir -p corpus/query corpus/config corpus/feed corpus/extract
cp ../config.toml corpus/config/
sed -n "s/^query = //p" ../config.toml > corpus/query/shipped
printf '%s' '("peace talks" OR ceasefire) NEAR/10 (Kyiv OR Moscow) NOT sport' > corpus/query/near
cp ../tests/fixtures/feeds/* corpus/feed/
cp ../tests/fixtures/page.html corpus/extract/
