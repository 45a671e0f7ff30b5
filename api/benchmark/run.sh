#!/usr/bin/env bash
# run.sh compares the real vendorwatch binary with the hand-written
# baseline (cmd/baseline) under wrk, on loopback: GET /v1/contracts/{id}
# with random ids and three list pages (first, 20 deep, owner_id), each for
# a bounded time, the two servers alternating, and prints the rates and
# their ratio. Then POST /v1/vendors from 1, 4 and 16 connections against
# the service alone (writes have no baseline; on PostgreSQL the sealer runs
# as in production).
#
#   api/benchmark/run.sh                      # SQLite in a temporary folder
#   api/benchmark/run.sh postgres://…/db      # PostgreSQL, in a schema of its own (dropped after)
#
# Environment: SECONDS_PER_RUN (5), ROUNDS (2), CONNECTIONS (32),
# CONTRACTS (5000). wrk comes from Debian (apt-get install -y wrk).
set -euo pipefail

SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
ROUNDS=${ROUNDS:-2}
CONNECTIONS=${CONNECTIONS:-32}
CONTRACTS=${CONTRACTS:-5000}
SVC_ADDR=127.0.0.1:18080
BASE_ADDR=127.0.0.1:18081

if ! command -v wrk >/dev/null; then
	if [ "$(id -u)" = 0 ]; then apt-get install -y wrk >/dev/null; else sudo apt-get install -y wrk >/dev/null; fi
fi

root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
pids=()
db="${1:-$work/vendorwatch.db}"
case "$db" in
postgres://* | postgresql://*)
	sep='?'; [[ "$db" == *\?* ]] && sep='&'
	db="$db${sep}search_path=vwbench_$$"
	;;
esac
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	"$work/baseline" drop -database-url "$db" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

echo "building…" >&2
(cd "$root" && go build -o "$work/vendorwatch" ./cmd/vendorwatch && go build -o "$work/baseline" ./api/benchmark/cmd/baseline)
echo "seeding $CONTRACTS contracts…" >&2
"$work/baseline" seed -database-url "$db" -contracts "$CONTRACTS" -out "$work"

mkdir -p "$work/outbox"
# serve refuses PostgreSQL without an audit key; a throwaway one.
export VENDORWATCH_AUDIT_KEY="${VENDORWATCH_AUDIT_KEY:-$(head -c 48 /dev/urandom | base64 | tr -d '\n')}"
"$work/vendorwatch" serve --database-url "$db" --addr "$SVC_ADDR" --rate-limit 1000000000 \
	--outbox-dir "$work/outbox" --shutdown-drain 0 >"$work/serve.out" 2>"$work/serve.log" &
pids+=($!)
"$work/baseline" serve -database-url "$db" -addr "$BASE_ADDR" 2>"$work/baseline.log" &
pids+=($!)
for addr in "$SVC_ADDR/readyz" "$BASE_ADDR/v1/contracts/none"; do
	for _ in $(seq 300); do
		code=$(curl -s -o /dev/null -w '%{http_code}' "http://$addr" || true)
		[ "$code" = 200 ] || [ "$code" = 401 ] && break
		sleep 0.1
	done
done

cat >"$work/read.lua" <<'LUA'
local ids = {}
for line in io.lines(os.getenv("VW_IDS")) do ids[#ids + 1] = line end
local token, path = os.getenv("VW_TOKEN"), os.getenv("VW_PATH")
math.randomseed(os.time())
request = function()
	local p = path
	if p == "get" then p = "/v1/contracts/" .. ids[math.random(#ids)] end
	return wrk.format("GET", p, { ["Authorization"] = "Bearer " .. token })
end
LUA

export VW_IDS="$work/ids" VW_TOKEN
VW_TOKEN=$(cat "$work/token")
owner=$(cat "$work/owner")
cursor=$(cat "$work/cursor20")

# rate ADDR PATH: requests a second, failing on any answer but 2xx/3xx.
rate() {
	local out
	out=$(VW_PATH="$2" wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" -s "$work/read.lua" "http://$1" 2>&1)
	if grep -q "Non-2xx" <<<"$out"; then echo "$out" >&2; return 1; fi
	awk '/^Requests\/sec/ {print $2}' <<<"$out"
}

printf '%-14s %12s %12s %7s\n' case service baseline ratio
for c in "get|get" "list_first|/v1/contracts?limit=20" "list_20_deep|/v1/contracts?limit=20&cursor=$cursor" \
	"list_owner|/v1/contracts?limit=20&owner_id=$owner"; do
	name=${c%%|*} path=${c#*|}
	rate "$SVC_ADDR" "$path" >/dev/null # warm-up
	rate "$BASE_ADDR" "$path" >/dev/null
	svc=0 base=0
	for r in $(seq "$ROUNDS"); do
		if ((r % 2)); then
			s=$(rate "$SVC_ADDR" "$path"); b=$(rate "$BASE_ADDR" "$path")
		else
			b=$(rate "$BASE_ADDR" "$path"); s=$(rate "$SVC_ADDR" "$path")
		fi
		svc=$(awk -v a="$svc" -v b="$s" 'BEGIN {print a + b}')
		base=$(awk -v a="$base" -v b="$b" 'BEGIN {print a + b}')
	done
	awk -v n="$name" -v s="$svc" -v b="$base" -v r="$ROUNDS" 'BEGIN {printf "%-14s %12.0f %12.0f %7.2f\n", n, s / r, b / r, s / b}'
done

cat >"$work/write.lua" <<'LUA'
local token, owner = os.getenv("VW_TOKEN"), os.getenv("VW_OWNER")
math.randomseed(os.time())
local n, me = 0, tostring(math.random(1, 1000000000))
request = function()
	n = n + 1
	local body = '{"name":"書込株式会社 ' .. me .. '-' .. n .. '","owner_id":"' .. owner .. '"}'
	return wrk.format("POST", "/v1/vendors", { ["Authorization"] = "Bearer " .. token,
		["Content-Type"] = "application/json" }, body)
end
LUA
printf '\n%-14s %12s\n' "POST vendors" writes/s
for c in 1 4 16; do
	out=$(VW_OWNER="$owner" wrk -t1 -c"$c" -d"${SECONDS_PER_RUN}s" -s "$work/write.lua" "http://$SVC_ADDR" 2>&1)
	if grep -q "Non-2xx" <<<"$out"; then echo "$out" >&2; exit 1; fi
	printf '%-14s %12.0f\n' "connections=$c" "$(awk '/^Requests\/sec/ {print $2}' <<<"$out")"
done
