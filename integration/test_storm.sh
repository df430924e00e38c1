#!/usr/bin/env bash
# storm: concurrency storm on the bridge plugin (host-local IPAM, ipMasq, isGateway).
#
# Part A: one network, 200 containers, 16 plugin processes at a time. Phase 1 runs ADD + CHECK
# for every container and, for every odd one, DEL twice right away while the others are still
# adding; phase 2 runs CHECK + DEL for the rest. The range is narrowed to 4/5 of the containers
# (160 addresses) so the allocator wraps and hands released addresses out again during the storm
# (at most 100 + 16 containers are alive at once). Asserts: every call exits 0, no address held by two
# containers at once (interval check), the kernel state between the phases is exactly the
# live containers', nothing is left afterwards, and the storm ends within a bounded time.
#
# Part B: two networks (own bridges and subnets) sharing one host-local dataDir and the one
# nftables masquerade table, 2 x 30 containers added in parallel. Deleting all of network A
# leaves network B's reservations and rules untouched; deleting B then leaves nothing.
#
# STORM_CONTAINERS (>= 60) / STORM_PARALLEL / STORM_TIMEOUT change the size (defaults 200 / 16 /
# 240 s per storm phase).
. "$(dirname "$0")/lib.sh"

# --- Worker mode: one container's calls, run by xargs. Results go to files in $STORM_OUT:
# log.<cid> holds "cid op rc start end" per call, add.<cid> the ADD result, err.<cid>.* errors.
if [ "${1:-}" = --worker ]; then
  phase=$2 idx=$3 ns=$4 confile=$5
  conf=$(cat "$confile")
  net=$(jq -r .name <<<"$conf")
  cid="storm-$net-$idx"
  call() {  # call COMMAND CONFIG
    local t0=$EPOCHREALTIME
    cni "$STORM_HOST" bridge "$1" "$cid" "/run/netns/$ns" eth0 "$2"
    printf '%s %s %s %s %s\n' "$cid" "$1" "$RC" "$t0" "$EPOCHREALTIME" >>"$STORM_OUT/log.$cid"
    [ "$RC" = 0 ] || printf 'stdout: %s\nstderr: %s\n' "$OUT" "$ERR" >"$STORM_OUT/err.$cid.$1.$t0"
  }
  check_conf() { jq -c --slurpfile r "$STORM_OUT/add.$cid" '. + {prevResult: $r[0]}' <<<"$conf"; }
  case $phase in
    add | add-del)  # ADD, CHECK; add-del: then DEL twice (the second must succeed too)
      call ADD "$conf"
      if [ "$RC" = 0 ]; then
        printf '%s' "$OUT" >"$STORM_OUT/add.$cid"
        call CHECK "$(check_conf)"
      fi
      if [ "$phase" = add-del ]; then
        call DEL "$conf"
        call DEL "$conf"
      fi
      ;;
    check-del)  # CHECK, DEL
      [ -s "$STORM_OUT/add.$cid" ] && call CHECK "$(check_conf)"
      call DEL "$conf"
      ;;
  esac
  exit 0
fi

PARALLEL=${STORM_PARALLEL:-16}
LIMIT=${STORM_TIMEOUT:-240}

# storm JOBFILE: runs `--worker <line>` for each line of JOBFILE, PARALLEL at a time, within
# LIMIT seconds. Sets STORM_RC (124 on timeout) and adds the wall time to STORM_SECONDS.
STORM_SECONDS=0
storm() {
  local t0=$EPOCHREALTIME
  set +e
  timeout "$LIMIT" xargs -P "$PARALLEL" -L1 bash "$0" --worker <"$1"
  STORM_RC=$?
  set -e
  STORM_SECONDS=$(echo "$STORM_SECONDS + $EPOCHREALTIME - $t0" | bc)
}

# report_failures: the number of logged calls that did not exit 0; the first few go to stderr.
report_failures() {
  local bad
  bad=$(cat "$STORM_OUT"/log.* | awk '$3 != 0' | wc -l)
  if [ "$bad" != 0 ]; then
    {
      echo "first failed calls:"
      for f in $(ls "$STORM_OUT"/err.* | head -5); do echo "  ${f##*/}"; sed 's/^/    /' "$f"; done
    } >&2
  fi
  echo "$bad"
}
count_ops() { cat "$STORM_OUT"/log.* 2>/dev/null | awk -v op="$1" '$2 == op' | wc -l; }

host_veths() { ip -n "$1" -j link show type veth | jq length; }
ports() { ip -n "$1" -j link show master "$2" | jq length; }
inet_addrs() {
  ip -n "$1" -j addr show dev "$2" |
    jq -r '[.[0].addr_info[] | select(.family=="inet" or .scope=="global") | "\(.local)/\(.prefixlen)"] | join(",")'
}
# reservations DIR: "ip owner" for each reservation file (not lock / last_reserved_ip.*).
reservations() {
  local f
  for f in "$1"/*; do
    case ${f##*/} in lock | last_reserved_ip.* | '*') continue ;; esac
    printf '%s %s\n' "${f##*/}" "$(head -1 "$f" | tr -d '\r')"
  done | sort
}
# data_residue DATADIR: files other than the per-network lock, last_reserved_ip.<n> and our
# index seal (.cni-cpp-host-local/<network>/seal; its per-attachment files b/* must be gone).
data_residue() {
  find "$1" -type f | sed "s|^$1/||" |
    grep -vE '^([^/]+/(lock|last_reserved_ip\.[0-9]+)|\.cni-cpp-host-local/[^/]+/seal)$' || true
}
# masq_rules HOSTNS: "saddr daddr-prefix id net" for every per-container masquerade rule.
masq_rules() {
  ip netns exec "$1" nft -j list ruleset | jq -r '.nftables[] | select(.rule) | .rule
    | select(.comment // "" | test("^[0-9a-f]{16}-[0-9a-f]{16}"))
    | [ (.expr[] | .match? | select(.left.payload.field == "saddr") | .right),
        (.expr[] | .match? | select(.left.payload.field == "daddr") | "\(.right.prefix.addr)/\(.right.prefix.len)"),
        (.comment | capture("id: (?<id>.*)$").id), (.comment | capture("net: (?<n>[^,]*),").n) ]
    | join(" ")' | sort
}
# ruleset HOSTNS: the whole ruleset without handles and version info.
ruleset() {
  ip netns exec "$1" nft -j list ruleset | jq -S -c '[.nftables[] | select(.metainfo | not) | walk(if type == "object" then del(.handle) else . end)]'
}
# ips_of CID...: "ip cid" from each container's saved ADD result.
ips_of() {
  local c
  for c; do printf '%s %s\n' "$(jq -r '.ips[0].address' "$STORM_OUT/add.$c" | cut -d/ -f1)" "$c"; done | sort
}
in_subnet() {  # in_subnet IP PREFIX(a.b.c.0/24 or /16 style, octet-aligned)
  local net=${2%/*} len=${2#*/}
  local n=$((len / 8))
  [ "$(cut -d. -f1-"$n" <<<"$1")" = "$(cut -d. -f1-"$n" <<<"$net")" ]
}

# ======================================================================== Part A
N=${STORM_CONTAINERS:-200}
((N >= 60)) || { echo "STORM_CONTAINERS must be at least 60 (Part B uses 60 of them)"; exit 1; }
make_ns host
ip -n "$host" link set lo up
make_tmpdir data
make_tmpdir out
export STORM_HOST=$host STORM_OUT=$out CNI_BIN_DIR=$BIN_DIR CNI_SOURCE_DIR=$SOURCE_DIR
# The range: 10.70.0.10 and SIZE addresses on, never fewer than can be alive at once.
SIZE=$((N * 4 / 5))
((SIZE >= N / 2 + PARALLEL + 2)) || SIZE=$((N / 2 + PARALLEL + 2))
((SIZE <= 1000)) || SIZE=1000
last=$((10 + SIZE - 1))
range_end="10.70.$((last / 256)).$((last % 256))"
printf '{"cniVersion":"1.0.0","name":"storm","type":"bridge","bridge":"brstorm","isGateway":true,"ipMasq":true,"ipam":{"type":"host-local","dataDir":"%s","ranges":[[{"subnet":"10.70.0.0/22","rangeStart":"10.70.0.10","rangeEnd":"%s"}]]}}' \
  "$data" "$range_end" >"$out/conf.storm"
conf=$(cat "$out/conf.storm")

# Warm-up: the bridge and the masquerade table exist after the first ADD and stay; the
# ruleset after one ADD + DEL is what every later DEL must return to.
make_ns warm
cni "$host" bridge ADD warm "/run/netns/$warm" eth0 "$conf"
expect_eq "warm-up ADD" "$RC" 0
cni "$host" bridge DEL warm "/run/netns/$warm" eth0 "$conf"
expect_eq "warm-up DEL" "$RC" 0
snapshot=$(ruleset "$host")
expect_eq "snapshot holds no per-container rule" "$(masq_rules "$host" | wc -l)" 0

declare -a ctr
for i in $(seq 1 "$N"); do make_ns "ctr[$i]"; done
: >"$out/jobs1"
: >"$out/jobs2"
for i in $(seq 1 "$N"); do
  if ((i % 2)); then
    echo "add-del $i ${ctr[$i]} $out/conf.storm" >>"$out/jobs1"
  else
    echo "add $i ${ctr[$i]} $out/conf.storm" >>"$out/jobs1"
    echo "check-del $i ${ctr[$i]} $out/conf.storm" >>"$out/jobs2"
  fi
done
rm -f "$out"/log.*

# Phase 1: ADD + CHECK everywhere, DEL + DEL of the odd ones in between.
storm "$out/jobs1"
expect_eq "phase 1 finished in time (no hang; timeout $LIMIT s)" "$STORM_RC" 0
expect_eq "phase 1: ADDs logged" "$(count_ops ADD)" "$N"
expect_eq "phase 1: CHECKs logged" "$(count_ops CHECK)" "$N"
expect_eq "phase 1: DELs logged" "$(count_ops DEL)" "$(((N + 1) / 2 * 2))"
expect_eq "phase 1: calls that failed" "$(report_failures)" 0

alive=()
for i in $(seq 2 2 "$N"); do alive+=("storm-storm-$i"); done
expect_eq "containers alive after phase 1 have distinct addresses" \
  "$(ips_of "${alive[@]}" | cut -d' ' -f1 | sort -u | wc -l)" "${#alive[@]}"
expect_eq "reservations on disk are exactly the live containers' (ip owner)" \
  "$(reservations "$data/storm")" "$(ips_of "${alive[@]}")"
expect_eq "masquerade rules are exactly the live containers' (saddr id)" \
  "$(masq_rules "$host" | awk '{print $1, $3}')" "$(ips_of "${alive[@]}")"
expect_eq "one bridge port per live container" "$(ports "$host" brstorm)" "${#alive[@]}"
expect_eq "no host veth outside the bridge" "$(host_veths "$host")" "${#alive[@]}"
eth0_left=0
for i in $(seq 1 2 "$N"); do
  ip -n "${ctr[$i]}" link show eth0 >/dev/null 2>&1 && eth0_left=$((eth0_left + 1))
done
expect_eq "deleted containers have no eth0 left" "$eth0_left" 0

# Phase 2: CHECK + DEL of the rest.
storm "$out/jobs2"
expect_eq "phase 2 finished in time (no hang; timeout $LIMIT s)" "$STORM_RC" 0
expect_eq "all DELs logged" "$(count_ops DEL)" "$(((N + 1) / 2 * 2 + N / 2))"
expect_eq "all CHECKs logged" "$(count_ops CHECK)" "$((N + N / 2))"
expect_eq "calls that failed (whole storm)" "$(report_failures)" 0

# No address held by two containers at once. Each container surely held its address from the
# end of its ADD to the start of its first DEL; those intervals must not overlap for one IP.
for f in "$out"/log.*; do
  c=${f##*/log.}
  [ -s "$out/add.$c" ] || continue
  ip=$(jq -r '.ips[0].address' "$out/add.$c" | cut -d/ -f1)
  awk -v ip="$ip" '$2 == "ADD" {a = $5} $2 == "DEL" && !d {d = $4} END {print ip, a, d, $1}' "$f"
done | sort -k1,1 -k2,2n >"$out/holds"
overlaps=$(awk '$1 != ip {ip = $1; maxd = 0}
  { if (maxd > $2) print "  " $1 " held by " $4 " from " $2 " while " who " held it until " maxd
    if ($3 > maxd) {maxd = $3; who = $4} }' "$out/holds")
[ -z "$overlaps" ] || echo "$overlaps" | head -5
expect_eq "no address held by two containers at once" "$(printf '%s' "$overlaps" | grep -c . || true)" 0
reused=$(cut -d' ' -f1 "$out/holds" | uniq -d | wc -l)
if ((SIZE < N)); then
  check "the storm reused released addresses ($reused) so the interval check has teeth" [ "$reused" -gt 0 ]
fi
check "all addresses in 10.70.0.10-$range_end" awk -F'[. ]' -v last="$last" \
  '$1 != 10 || $2 != 70 || $3 * 256 + $4 < 10 || $3 * 256 + $4 > last {exit 1}' "$out/holds"

# Zero residue.
expect_eq "no host veth left" "$(host_veths "$host")" 0
expect_eq "no bridge port left" "$(ports "$host" brstorm)" 0
expect_eq "bridge holds only the gateway address" "$(inet_addrs "$host" brstorm)" "10.70.0.1/22"
expect_eq "no reservation left" "$(reservations "$data/storm")" ""
expect_eq "data dir holds no per-container file" "$(data_residue "$data")" ""
expect_eq "nftables ruleset back to the snapshot" "$(ruleset "$host")" "$snapshot"
eth0_left=0
for i in $(seq 1 "$N"); do
  ip -n "${ctr[$i]}" link show eth0 >/dev/null 2>&1 && eth0_left=$((eth0_left + 1))
done
expect_eq "no container has eth0 left" "$eth0_left" 0

calls=$(cat "$out"/log.* | wc -l)
echo "# Part A: $N containers, parallelism $PARALLEL, $calls calls in ${STORM_SECONDS}s:" \
  "$(echo "scale=1; $N / $STORM_SECONDS" | bc) ADDs/s, $(echo "scale=1; $calls / $STORM_SECONDS" | bc) calls/s"

# ======================================================================== Part B
M=30
make_ns hostb
ip -n "$hostb" link set lo up
make_tmpdir datab
make_tmpdir outb
export STORM_HOST=$hostb STORM_OUT=$outb
for n in A B; do
  case $n in A) sub=10.71.0.0/24 ;; B) sub=10.72.0.0/24 ;; esac
  printf '{"cniVersion":"1.0.0","name":"storm%s","type":"bridge","bridge":"brstorm%s","isGateway":true,"ipMasq":true,"ipam":{"type":"host-local","dataDir":"%s","subnet":"%s"}}' \
    "$n" "$n" "$datab" "$sub" >"$outb/conf.$n"
done
ids() { local i; for i in $(seq 1 "$M"); do echo "storm-storm$1-$i"; done; }
: >"$outb/add"
: >"$outb/delA"
: >"$outb/delB"
for i in $(seq 1 "$M"); do  # interleaved A1 B1 A2 B2 ..., Part A's (now empty) container netns
  echo "add $i ${ctr[$i]} $outb/conf.A" >>"$outb/add"
  echo "add $i ${ctr[$((M + i))]} $outb/conf.B" >>"$outb/add"
  echo "check-del $i ${ctr[$i]} $outb/conf.A" >>"$outb/delA"
  echo "check-del $i ${ctr[$((M + i))]} $outb/conf.B" >>"$outb/delB"
done
STORM_SECONDS=0
storm "$outb/add"
expect_eq "B: ADDs finished in time" "$STORM_RC" 0
expect_eq "B: ADDs + CHECKs logged" "$(count_ops ADD):$(count_ops CHECK)" "$((2 * M)):$((2 * M))"
expect_eq "B: calls that failed" "$(report_failures)" 0

for n in A B; do
  sub=$(jq -r .ipam.subnet "$outb/conf.$n")
  mapfile -t mine < <(ids "$n")
  expect_eq "B: network $n: $M distinct addresses" "$(ips_of "${mine[@]}" | cut -d' ' -f1 | sort -u | wc -l)" "$M"
  outside=0
  while read -r ip _; do in_subnet "$ip" "$sub" || outside=$((outside + 1)); done < <(ips_of "${mine[@]}")
  expect_eq "B: network $n: every address in $sub" "$outside" 0
  expect_eq "B: network $n: reservations under dataDir/storm$n are its containers'" \
    "$(reservations "$datab/storm$n")" "$(ips_of "${mine[@]}")"
  expect_eq "B: network $n: its masquerade rules name exactly its containers' addresses" \
    "$(masq_rules "$hostb" | awk -v n="storm$n" '$4 == n {print $1, $3}')" "$(ips_of "${mine[@]}")"
  expect_eq "B: network $n: its rules exempt only its own subnet" \
    "$(masq_rules "$hostb" | awk -v n="storm$n" '$4 == n {print $2}' | sort -u)" "$sub"
  expect_eq "B: network $n: $M ports on brstorm$n" "$(ports "$hostb" "brstorm$n")" "$M"
done
rules_b=$(ip netns exec "$hostb" nft -j list ruleset | jq -c '[.nftables[] | select(.rule.comment // "" | contains(", net: stormB,"))]')
res_b=$(reservations "$datab/stormB")

storm "$outb/delA"
expect_eq "B: DEL of network A finished in time" "$STORM_RC" 0
expect_eq "B: calls that failed after DEL A" "$(report_failures)" 0
expect_eq "B: network A has no reservation left" "$(reservations "$datab/stormA")" ""
expect_eq "B: network A has no rule left" "$(masq_rules "$hostb" | awk '$4 == "stormA"' | wc -l)" 0
expect_eq "B: network A has no port left" "$(ports "$hostb" brstormA)" 0
expect_eq "B: network B keeps its $M reservations" "$(reservations "$datab/stormB")" "$res_b"
expect_eq "B: network B's rules untouched (same handles)" \
  "$(ip netns exec "$hostb" nft -j list ruleset | jq -c '[.nftables[] | select(.rule.comment // "" | contains(", net: stormB,"))]')" \
  "$rules_b"
expect_eq "B: network B keeps $M rules" "$(masq_rules "$hostb" | awk '$4 == "stormB"' | wc -l)" "$M"
expect_eq "B: network B keeps its $M ports" "$(ports "$hostb" brstormB)" "$M"

storm "$outb/delB"
expect_eq "B: DEL of network B finished in time" "$STORM_RC" 0
expect_eq "B: calls that failed (all)" "$(report_failures)" 0
expect_eq "B: no host veth left" "$(host_veths "$hostb")" 0
expect_eq "B: bridges hold only their gateway addresses" \
  "$(inet_addrs "$hostb" brstormA) $(inet_addrs "$hostb" brstormB)" "10.71.0.1/24 10.72.0.1/24"
expect_eq "B: no reservation left" "$(reservations "$datab/stormA")$(reservations "$datab/stormB")" ""
expect_eq "B: shared data dir holds no per-container file" "$(data_residue "$datab")" ""
expect_eq "B: nftables ruleset back to the one-network snapshot" "$(ruleset "$hostb")" "$snapshot"
calls=$(cat "$outb"/log.* | wc -l)
echo "# Part B: 2 x $M containers, $calls calls in ${STORM_SECONDS}s"

finish
