#!/usr/bin/env bash
# host-local: 64 concurrent ADDs (separate processes) get 64 distinct addresses; 64 concurrent
# DELs release them all. The flock on <network>/lock serialises them.
. "$(dirname "$0")/lib.sh"

make_ns host
make_ns ctr
make_tmpdir data
make_tmpdir out
conf=$(printf '{"cniVersion":"1.0.0","name":"conc","type":"bridge","ipam":{"type":"host-local","dataDir":"%s","ranges":[[{"subnet":"10.60.0.0/24"}],[{"subnet":"fd60::/64"}]]}}' "$data")

run_bg() {  # run_bg N COMMAND: one plugin process, results in $out/N.{out,rc}
  cni "$host" host-local "$2" "c$1" "/run/netns/$ctr" eth0 "$conf"
  printf '%s' "$OUT" >"$out/$1.out"
  echo "$RC" >"$out/$1.rc"
}

run_all() {  # run_all COMMAND: 64 plugin processes at once, each waited for by its PID
  local pids=() i p
  for i in $(seq 1 64); do
    run_bg "$i" "$1" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
}

run_all ADD

expect_eq "every ADD exited 0" "$(cat "$out"/*.rc | sort -u | tr '\n' ' ')" "0 "
expect_eq "64 distinct IPv4 addresses" \
  "$(cat "$out"/*.out | jq -r '.ips[0].address' | sort -u | wc -l)" 64
expect_eq "64 distinct IPv6 addresses" \
  "$(cat "$out"/*.out | jq -r '.ips[1].address' | sort -u | wc -l)" 64
expect_eq "64 reservation files per family" \
  "$(ls "$data/conc" | grep -c '^10\.60\.'):$(ls "$data/conc" | grep -c '^fd60:')" "64:64"
owners=$(for f in "$data"/conc/10.60.*; do tr -d '\r' <"$f" | head -1; done | sort -u | wc -l)
expect_eq "each file owned by a different container" "$owners" 64
expect_eq "addresses .2 to .65 (no gaps, no reuse)" \
  "$(cat "$out"/*.out | jq -r '.ips[0].address' | sort -t. -k4 -n | sed -n '1p;$p' | tr '\n' ' ')" \
  "10.60.0.2/24 10.60.0.65/24 "

run_all DEL
expect_eq "every DEL exited 0" "$(cat "$out"/*.rc | sort -u | tr '\n' ' ')" "0 "
expect_eq "nothing left reserved" "$(ls "$data/conc" | grep -cE '^(10\.60|fd60)' || true)" 0

finish
