#!/usr/bin/env bash
# A guided tour of the wallet API with curl, against scripts/run.sh (two edges, :8080 and :8081):
# a live balance socket, a sandbox deposit confirmed by a signed webhook, a merchant checkout
# with its fee, a refund, a P2P transfer, a withdrawal and a payroll batch. Each step prints the request, the
# answer, and what a reader should expect to see. Needs bash, curl and a JDK (for the tiny
# WebSocket client in edge-api/tools/WatchBalance.java); no jq.
#   scripts/run.sh            # in another terminal
#   scripts/demo.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
A=${WALLET_DEMO_URL_A:-http://localhost:8080}
B=${WALLET_DEMO_URL_B:-http://localhost:8081}
token() { "$WALLET_ROOT/scripts/dev-token.sh" "$@"; }
field() { grep -o "\"$1\":\"[^\"]*\"" | head -1 | cut -d'"' -f4; }
number() { grep -o "\"$1\":[0-9-]*" | head -1 | cut -d: -f2; }
key() { echo "demo-$(date +%s%N)-$RANDOM"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
expect() { printf '   \033[2mexpect: %s\033[0m\n' "$*"; }
call() {  # call <METHOD> <URL> <TOKEN> [BODY] [extra curl args...]: prints and returns the body
  local method=$1 url=$2 tok=$3 body=${4:-}
  shift 4 || shift $#
  printf '   %s %s %s\n' "$method" "${url#http://}" "${body}" >&2
  local out
  out=$(curl -sS -X "$method" "$url" -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
    ${body:+-d "$body"} "$@" -w '\n%{http_code}')
  printf '   -> %s %s\n' "$(tail -n1 <<<"$out")" "$(sed '$d' <<<"$out")" >&2
  sed '$d' <<<"$out"
}
await() {  # await <path> <token> <status>
  local i
  for i in $(seq 1 60); do
    [ "$(curl -s "$A$1" -H "Authorization: Bearer $2" | field status)" = "$3" ] && break
    sleep 0.25
  done
  printf '   %s is %s\n' "$1" "$(curl -s "$A$1" -H "Authorization: Bearer $2" | field status)" >&2
}
balance() { curl -s "$A/v1/wallets/$1" -H "Authorization: Bearer $2" | grep -o '"balance":{[^}]*}'; }

curl -sf "$A/health/ready" >/dev/null || die "no edge at $A: start scripts/run.sh first"
curl -sf "$B/health/ready" >/dev/null || die "no edge at $B: start scripts/run.sh first"
suffix=$RANDOM
ALICE=$(token "alice-$suffix")
BOB=$(token "bob-$suffix")
SHOP=$(token "shop-$suffix" user merchant)
RISK=$(token "risk-officer" risk)

step "1. Alice opens a wallet, a shop opens a merchant wallet, Bob opens a wallet"
alice=$(call POST "$A/v1/wallets" "$ALICE" '{"currency":"USD","type":"personal"}' | field id)
shop=$(call POST "$A/v1/wallets" "$SHOP" '{"currency":"USD","type":"merchant"}' | field id)
bob=$(call POST "$A/v1/wallets" "$BOB" '{"currency":"USD","type":"personal"}' | field id)
expect "three 201s; ids like w0042_...: the first four digits are the wallet's shard"

step "1b. The risk team records the KYC checks (standing in for a KYC provider's callback)"
call PUT "$A/admin/kyc/alice-$suffix" "$RISK" '{"tier":"full"}' >/dev/null
call PUT "$A/admin/kyc/shop-$suffix" "$RISK" '{"tier":"full"}' >/dev/null
call PUT "$A/admin/kyc/bob-$suffix" "$RISK" '{"tier":"basic"}' >/dev/null
expect "three 200s: a new wallet's owner is 'unverified' and may only receive and deposit; full may withdraw"

step "2. Alice watches her balance live, on the OTHER instance ($B)"
java "$WALLET_ROOT/edge-api/tools/WatchBalance.java" "ws://${B#http://}/v1/wallets/$alice/events" "$ALICE" 30 \
  > "$WALLET_DATA_DIR/demo-socket.log" 2>&1 &
watcher=$!
trap 'kill $watcher 2>/dev/null || true' EXIT
for _ in $(seq 1 40); do grep -q snapshot "$WALLET_DATA_DIR/demo-socket.log" 2>/dev/null && break; sleep 0.5; done
sed 's/^/   /' "$WALLET_DATA_DIR/demo-socket.log"
expect '{"type":"snapshot",...,"seq":0}: where the wallet starts; every change made through ANY instance follows'
call GET "$B/v1/wallets/$alice/events" "$BOB" "" -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
  -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' >/dev/null || true
expect "Bob asking for Alice's socket gets 404 (and so does anyone but Alice)"

step "3. Alice deposits 100.00 USD from the sandbox gateway"
deposit=$(call POST "$A/v1/deposits" "$ALICE" "{\"walletId\":\"$alice\",\"amount\":10000,\"currency\":\"USD\",\"source\":{\"type\":\"sandbox\"}}" \
  -H "Idempotency-Key: $(key)" | field id)
expect "202 pending: the sandbox (its own process) confirms within a second with a signed webhook"
await "/v1/deposits/$deposit" "$ALICE" completed
printf '   balance: %s\n' "$(balance "$alice" "$ALICE")"
expect '"available":10000,"held":0'

step "4. Merchant checkout: Alice pays the shop 25.00 for order-1001"
payment=$(call POST "$A/v1/payments" "$ALICE" "{\"fromWalletId\":\"$alice\",\"merchantWalletId\":\"$shop\",\"amount\":2500,\"currency\":\"USD\",\"orderRef\":\"order-1001\"}" \
  -H "Idempotency-Key: $(key)" | field id)
await "/v1/payments/$payment" "$ALICE" completed
printf '   shop balance: %s\n' "$(balance "$shop" "$SHOP")"
expect 'fee 63: 250 bps of 2500 is 62.5, rounded half up (edge-api/config/edge.yaml); the shop gets 2437'

step "5. The shop refunds 10.00 of it (a second refund beyond the rest would be refused)"
call POST "$A/v1/payments/$payment/refunds" "$SHOP" '{"amount":1000}' -H "Idempotency-Key: $(key)" >/dev/null
call POST "$A/v1/payments/$payment/refunds" "$SHOP" '{"amount":1501}' -H "Idempotency-Key: $(key)" >/dev/null
expect "201 refund, then 422 refund_exceeds_payment (1000 + 1501 > 2500); Alice is back at 8500"

step "6. P2P: Alice sends Bob 5.00 (a cross-shard transfer is a saga: 201, or 202 then completed)"
transfer=$(call POST "$A/v1/transfers" "$ALICE" "{\"fromWalletId\":\"$alice\",\"toWalletId\":\"$bob\",\"amount\":500,\"currency\":\"USD\"}" \
  -H "Idempotency-Key: $(key)" | field id)
await "/v1/transfers/$transfer" "$BOB" completed
expect "Bob can read the transfer too; anyone else gets 404"

step "7. Alice withdraws 20.00 to her bank: held at once, paid out when the gateway answers"
withdrawal=$(call POST "$A/v1/withdrawals" "$ALICE" "{\"walletId\":\"$alice\",\"amount\":2000,\"currency\":\"USD\",\"destination\":{\"type\":\"bank\",\"account\":\"DE89 3704 0044 0532 0130 00\"}}" \
  -H "Idempotency-Key: $(key)" | field id)
printf '   balance right away: %s\n' "$(balance "$alice" "$ALICE")"
expect '202 pending; the 2000 moved from available to held (if the sandbox has not paid it out already: step 8 shows both)'
await "/v1/withdrawals/$withdrawal" "$ALICE" completed
printf '   balance after the payout: %s\n' "$(balance "$alice" "$ALICE")"
expect '"available":6000,"held":0 (10000 - 2500 + 1000 - 500 - 2000)'

step "8. Everything Alice's socket on $B saw"
sleep 1
sed 's/^/   /' "$WALLET_DATA_DIR/demo-socket.log"
expect 'one {"type":"balance",...} per change, seq 1,2,3,... with no gap: deposit, payment, refund, transfer, hold, payout'

step "9. A few things that are refused"
call POST "$A/v1/transfers" "$BOB" "{\"fromWalletId\":\"$alice\",\"toWalletId\":\"$bob\",\"amount\":100,\"currency\":\"USD\"}" \
  -H "Idempotency-Key: $(key)" >/dev/null
expect "404 not_found: Bob cannot move Alice's money (and cannot tell whether the wallet exists)"
call POST "$A/v1/wallets" "$BOB" '{"currency":"USD","type":"personal","balance":{"available":1000000}}' >/dev/null
expect "400 invalid_request: a balance is the server's, not the client's"
call GET "$A/v1/wallets/$alice" "not-a-token" "" >/dev/null
expect "401 unauthorized"
step "10. Payroll: an employer pays three people in one batch, each item with its own Idempotency key"
EMPLOYER=$(token "acme-$suffix")
CAROL=$(token "carol-$suffix")
call PUT "$A/admin/kyc/acme-$suffix" "$RISK" '{"tier":"full"}' >/dev/null
payroll=$(call POST "$A/v1/wallets" "$EMPLOYER" '{"currency":"USD","type":"personal"}' | field id)
reserve=$(call POST "$A/v1/wallets" "$EMPLOYER" "{\"currency\":\"USD\",\"type\":\"personal\",\"colocateWith\":\"$payroll\"}" | field id)
carol=$(call POST "$A/v1/wallets" "$CAROL" '{"currency":"USD","type":"personal"}' | field id)
funding=$(call POST "$A/v1/deposits" "$EMPLOYER" "{\"walletId\":\"$payroll\",\"amount\":5000,\"currency\":\"USD\",\"source\":{\"type\":\"sandbox\"}}" \
  -H "Idempotency-Key: $(key)" | field id)
await "/v1/deposits/$funding" "$EMPLOYER" completed
run="payroll-$suffix"
batch="{\"items\":[
 {\"idempotencyKey\":\"$run/bob\",\"fromWalletId\":\"$payroll\",\"toWalletId\":\"$bob\",\"amount\":1000,\"currency\":\"USD\"},
 {\"idempotencyKey\":\"$run/carol\",\"fromWalletId\":\"$payroll\",\"toWalletId\":\"$carol\",\"amount\":1200,\"currency\":\"USD\"},
 {\"idempotencyKey\":\"$run/alice\",\"fromWalletId\":\"$payroll\",\"toWalletId\":\"$alice\",\"amount\":9000,\"currency\":\"USD\"}]}"
call POST "$A/v1/transfers/batch" "$EMPLOYER" "$batch" >/dev/null
expect '200 with one answer per item: bob and carol 201 (or 202 across shards), alice 422 insufficient_funds (50.00 funded, 22.00 paid); each item fails alone'
call POST "$B/v1/transfers/batch" "$EMPLOYER" "$batch" >/dev/null
expect 'the same batch again, on the other instance: every item "replayed":true with the same transfer ids; nothing is paid twice'
printf '   payroll balance: %s\n' "$(balance "$payroll" "$EMPLOYER")"
expect '"available":2800 (5000 - 1000 - 1200)'
call POST "$A/v1/transfers/batch" "$EMPLOYER" "{\"atomic\":true,\"items\":[
 {\"idempotencyKey\":\"$run/reserve-1\",\"fromWalletId\":\"$payroll\",\"toWalletId\":\"$reserve\",\"amount\":2000,\"currency\":\"USD\"},
 {\"idempotencyKey\":\"$run/reserve-2\",\"fromWalletId\":\"$payroll\",\"toWalletId\":\"$reserve\",\"amount\":2000,\"currency\":\"USD\"}]}" >/dev/null
expect '422 atomic_batch_refused, failedIndex 1: the two items need 4000 and the wallet has 2800, so neither moves (atomic: all or nothing)'
call POST "$A/v1/transfers/batch" "$EMPLOYER" "{\"atomic\":true,\"items\":[
 {\"idempotencyKey\":\"$run/reserve-1\",\"fromWalletId\":\"$payroll\",\"toWalletId\":\"$reserve\",\"amount\":2000,\"currency\":\"USD\"},
 {\"idempotencyKey\":\"$run/reserve-2\",\"fromWalletId\":\"$payroll\",\"toWalletId\":\"$reserve\",\"amount\":800,\"currency\":\"USD\"}]}" >/dev/null
expect '201: both moved in one atomic step (an owner'"'"'s wallets share a shard; the refused attempt recorded nothing, so reserve-1 could be sent again)'
printf '   reserve balance: %s\n' "$(balance "$reserve" "$EMPLOYER")"
expect '"available":2800'

printf '\nDone. The ledger writer books every posting in PostgreSQL: GET %s/v1/wallets/%s/entries\n' "$A" "$alice"
