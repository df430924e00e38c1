#!/usr/bin/env bash
# host-local: 256 sequential ADDs in a /24 give 253 distinct addresses (the network address,
# the gateway .1 and the broadcast address are never handed out), then exhaustion errors.
. "$(dirname "$0")/lib.sh"

make_ns host
make_ns ctr
make_tmpdir data
conf=$(printf '{"cniVersion":"1.0.0","name":"full","type":"bridge","ipam":{"type":"host-local","dataDir":"%s","subnet":"10.50.0.0/24"}}' "$data")

ok=0
exhausted=0
other=0
addrs=()
for i in $(seq 1 256); do
  cni "$host" host-local ADD "c$i" "/run/netns/$ctr" eth0 "$conf"
  if [ "$RC" = 0 ]; then
    ok=$((ok + 1))
    addrs+=("$(printf '%s' "$OUT" | jq -r '.ips[0].address')")
  elif [ "$(printf '%s' "$OUT" | jq -r .code)" = 105 ]; then
    exhausted=$((exhausted + 1))
    last_err=$(printf '%s' "$OUT" | jq -r .msg)
  else
    other=$((other + 1))
    echo "unexpected: $OUT"
  fi
done
expect_eq "successful ADDs" "$ok" 253
expect_eq "exhaustion errors" "$exhausted" 3
expect_eq "other errors" "$other" 0
expect_eq "all addresses distinct" "$(printf '%s\n' "${addrs[@]}" | sort -u | wc -l)" 253
expect_eq "never the network, gateway or broadcast address" \
  "$(printf '%s\n' "${addrs[@]}" | grep -cE '^10\.50\.0\.(0|1|255)/' || true)" 0
expect_eq "first address" "${addrs[0]}" "10.50.0.2/24"
expect_eq "exhaustion message names the range" "$last_err" \
  "failed to allocate for range 0: no IP addresses available in range set: 10.50.0.1-10.50.0.254"
expect_eq "one file per address" "$(ls "$data/full" | grep -c '^10\.50\.')" 253

# A DEL frees exactly one address, which the next ADD gets.
cni "$host" host-local DEL c77 "/run/netns/$ctr" eth0 "$conf"
expect_eq "DEL exits 0" "$RC" 0
cni "$host" host-local ADD late "/run/netns/$ctr" eth0 "$conf"
expect_json "the freed address is reused" "$OUT" '.ips[0].address' "\"${addrs[76]}\""
cni "$host" host-local ADD later "/run/netns/$ctr" eth0 "$conf"
expect_cni_error "full again" 105 "no IP addresses available in range set: 10.50.0.1-10.50.0.254"

finish
