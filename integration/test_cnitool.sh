#!/usr/bin/env bash
# cnitool: conflists (ptp + loopback, host-local IPAM) run through ADD/CHECK/DEL/GC/STATUS in
# throwaway namespaces, with a temp NETCONFPATH, cache dir and host-local dataDir; the libcni
# result cache (written on ADD, used by DEL in a later process, removed after it); GC of an
# attachment whose cache entry is gone; and the same conflist run once with our plugins and
# once with the reference ones (/usr/lib/cni, v1.1.1), giving the same kernel state.
. "$(dirname "$0")/lib.sh"

TOOL=$BIN_DIR/cnitool
[ -x "$TOOL" ] || { echo "FAIL: $TOOL not built"; exit 1; }

make_ns host
make_ns c1
make_ns c2
make_ns c3
make_tmpdir work
ip -n "$host" link set lo up
conf=$work/net.d
cache=$work/cache
data=$work/ipam
wrap=$work/wrap
mkdir -p "$conf" "$wrap"

# ctnet: CNI 1.0.0, which the reference v1.1.1 plugins speak too.
cat > "$conf/10-ctnet.conflist" <<JSON
{"cniVersion":"1.0.0","name":"ctnet","plugins":[
  {"type":"ptp","capabilities":{"mac":true},
   "ipam":{"type":"host-local","dataDir":"$data","subnet":"10.91.0.0/24","routes":[{"dst":"0.0.0.0/0"}]}},
  {"type":"loopback"}]}
JSON
# gcnet: CNI 1.1.0 (GC, STATUS), chosen through cniVersions; our plugins only.
cat > "$conf/20-gcnet.conflist" <<JSON
{"cniVersion":"1.0.0","cniVersions":["1.0.0","1.1.0","9.9.9"],"name":"gcnet","plugins":[
  {"type":"veth","ipam":{"type":"host-local","dataDir":"$data","subnet":"10.92.0.0/24"}}]}
JSON
# A single-plugin .conf: run as a one-plugin list.
echo '{"cniVersion":"0.4.0","name":"lonet","type":"loopback"}' > "$conf/30-lonet.conf"

# tool CNI_PATH ARGS...: runs cnitool in the host namespace; sets OUT, ERR, RC.
tool() {
  local path=$1 errf
  shift
  errf=$(mktemp)
  set +e
  OUT=$(ip netns exec "$host" env -i PATH="$PATH" "${SAN_ENV[@]}" NETCONFPATH="$conf" CNI_CACHE_DIR="$cache" \
    CNI_PATH="$path" "${TOOL_ENV[@]}" "$TOOL" "$@" 2>"$errf")
  RC=$?
  set -e
  ERR=$(cat "$errf")
  rm -f "$errf"
}
TOOL_ENV=()
cid_of() { printf 'cnitool-%s' "$(printf '%s' "$1" | sha512sum | cut -c1-20)"; }
cache_file() { printf '%s/results/%s-%s-%s' "$cache" "$1" "$(cid_of "/run/netns/$2")" "${3:-eth0}"; }
reservations() { ls "$data/$1" 2>/dev/null | grep -c '^10\.' || true; }
# Kernel state without the random parts (veth names, MACs, ifindexes).
container_state() {
  ip -n "$1" -4 -j addr show | jq -c '[.[] | {ifname, up: (.flags | index("UP") != null),
    addrs: [.addr_info[] | {local, prefixlen, scope}]}] | sort_by(.ifname)'
  ip -n "$1" -4 -j route show table all | jq -c '[.[] | {dst, gateway, dev, scope, table: (.table // "main")}] | sort_by(.table, .dst)'
}
host_state() {
  ip -n "$host" -4 -j addr show type veth | jq -c '[.[] | .addr_info[]? | {local, prefixlen, scope}]'
  ip -n "$host" -4 -j route show | jq -c '[.[] | {dst, gateway, scope, dev: (.dev | sub("^veth[0-9a-f]+$"; "veth"))}] | sort_by(.dst)'
}
result_shape() { printf '%s' "$1" | jq -c '{ips, routes, dns, ifaces: [.interfaces[] | {sandbox: (.sandbox != null)}]}'; }

# --- Ours: ADD, CHECK, DEL (each a new process; DEL finds the result in the cache).
TOOL_ENV=(CAP_ARGS='{"mac":"0a:58:0a:5b:00:63"}')
tool "$BIN_DIR" add ctnet "/run/netns/$c1"
expect_eq "ADD ctnet exits 0" "$RC" 0
add_out=$OUT
expect_json "ADD prints the list's final result" "$OUT" '[.cniVersion, .ips[0].address, .interfaces[1].name]' \
  '["1.0.0","10.91.0.2/24","eth0"]'
expect_eq "container MAC from CAP_ARGS through the mac capability" \
  "$(ip -n "$c1" -j link show eth0 | jq -r '.[0].address')" 0a:58:0a:5b:00:63
expect_eq "loopback is up" "$(link_state "$c1" lo)" UP
f=$(cache_file ctnet "$c1")
check "cache file $(basename "$f") written" test -f "$f"
entry=$(cat "$f" 2>/dev/null || echo '{}')
expect_json "cache entry in libcni's format" "$entry" '[.kind, .containerId, .ifName, .networkName, .netns, (.capabilityArgs | keys)]' \
  "[\"cniCacheV1\",\"$(cid_of "/run/netns/$c1")\",\"eth0\",\"ctnet\",\"/run/netns/$c1\",[\"mac\"]]"
expect_eq "cached config is the conflist's bytes" "$(printf '%s' "$entry" | jq -r .config | base64 -d | sha1sum)" \
  "$(sha1sum < "$conf/10-ctnet.conflist")"
expect_eq "cached result is the printed result" "$(printf '%s' "$entry" | jq -S -c .result)" "$(printf '%s' "$add_out" | jq -S -c .)"
expect_eq "one reservation, for the derived container ID" \
  "$(grep -l "$(cid_of "/run/netns/$c1")" "$data"/ctnet/10.* | wc -l)" 1
ours_container=$(container_state "$c1")
ours_host=$(host_state)
echo "host state: $ours_host"
ours_result=$(result_shape "$add_out")

TOOL_ENV=()
tool "$BIN_DIR" check ctnet "/run/netns/$c1"
expect_eq "CHECK after ADD" "$RC:$OUT" "0:"
ip -n "$c1" route del default
tool "$BIN_DIR" check ctnet "/run/netns/$c1"
expect_eq "CHECK notices the missing default route" "$RC:$(printf '%s' "$OUT" | jq -r .code)" "1:106"
expect_json "error names the plugin" "$OUT" '.msg | startswith("plugin type=\"ptp\" failed (check): ")' true
ip -n "$c1" route add default via 10.91.0.1 dev eth0

tool "$BIN_DIR" del ctnet "/run/netns/$c1"
expect_eq "DEL exits 0" "$RC:$OUT" "0:"
check "cache file removed" test ! -e "$f"
expect_eq "eth0 gone" "$(ip -n "$c1" -j link show | jq -c '[.[].ifname]')" '["lo"]'
expect_eq "reservation released" "$(reservations ctnet)" 0
expect_eq "no veth left on the host" "$(ip -n "$host" -j link show type veth | jq length)" 0
tool "$BIN_DIR" del ctnet "/run/netns/$c1"
expect_eq "second DEL exits 0" "$RC" 0

# --- DEL in a later process gets the cached result as prevResult (a wrapper logs stdin).
cat > "$wrap/ptp" <<SH
#!/bin/sh
cat > "$wrap/ptp.\$CNI_COMMAND.stdin"
exec "$BIN_DIR/veth" < "$wrap/ptp.\$CNI_COMMAND.stdin"
SH
chmod +x "$wrap/ptp"
tool "$wrap:$BIN_DIR" add ctnet "/run/netns/$c2"
add2=$OUT
expect_eq "ADD through the wrapper" "$RC" 0
tool "$wrap:$BIN_DIR" del ctnet "/run/netns/$c2"
expect_eq "DEL through the wrapper" "$RC" 0
expect_eq "DEL's prevResult is the cached ADD result" "$(jq -S -c .prevResult "$wrap/ptp.DEL.stdin")" \
  "$(printf '%s' "$add2" | jq -S -c .)"
expect_json "DEL's config: list name and version, no capabilities" "$(cat "$wrap/ptp.DEL.stdin")" \
  '[.name, .cniVersion, has("capabilities")]' '["ctnet","1.0.0",false]'

# --- The reference plugins on the same conflist: the same kernel state.
if [ -x "$REF_DIR/ptp" ] && [ -x "$REF_DIR/host-local" ] && [ -x "$REF_DIR/loopback" ]; then
  rm -rf "${data:?}/ctnet"  # same round-robin start: the same address
  tool "$REF_DIR" add ctnet "/run/netns/$c1"
  expect_eq "reference ADD exits 0" "$RC" 0
  expect_eq "reference: same container addresses and routes" "$(container_state "$c1")" "$ours_container"
  expect_eq "reference: same host addresses and routes" "$(host_state)" "$ours_host"
  expect_eq "reference: same result (ips, routes, dns)" "$(result_shape "$OUT")" "$ours_result"
  check "reference: cache file written" test -f "$(cache_file ctnet "$c1")"
  tool "$REF_DIR" check ctnet "/run/netns/$c1"
  expect_eq "reference CHECK with the cached result" "$RC" 0
  tool "$REF_DIR" del ctnet "/run/netns/$c1"
  expect_eq "reference DEL exits 0" "$RC" 0
  check "reference: cache file removed" test ! -e "$(cache_file ctnet "$c1")"
  expect_eq "reference: reservation released" "$(reservations ctnet)" 0
else
  echo "SKIP: reference plugins not in $REF_DIR, no comparison"
fi

# --- GC and STATUS (CNI 1.1.0 picked from cniVersions).
tool "$BIN_DIR" add gcnet "/run/netns/$c2"
expect_json "gcnet runs at 1.1.0" "$OUT" '.cniVersion' '"1.1.0"'
tool "$BIN_DIR" add gcnet "/run/netns/$c3"
expect_eq "two gcnet reservations" "$(reservations gcnet)" 2
rm "$(cache_file gcnet "$c3")"  # the runtime lost track of c3: its reservation is stale
tool "$BIN_DIR" gc gcnet
expect_eq "GC exits 0" "$RC:$OUT" "0:"
expect_eq "GC released the stale reservation, kept the cached one" \
  "$(grep -l "$(cid_of "/run/netns/$c3")" "$data"/gcnet/10.* 2>/dev/null | wc -l):$(grep -l "$(cid_of "/run/netns/$c2")" "$data"/gcnet/10.* | wc -l)" "0:1"
tool "$BIN_DIR" status gcnet
expect_eq "STATUS exits 0" "$RC:$OUT" "0:"
tool "$BIN_DIR" status ctnet "/run/netns/$c1"
expect_eq "STATUS of a 1.0.0 list is a no-op" "$RC:$OUT" "0:"
tool "$BIN_DIR" del gcnet "/run/netns/$c3"
expect_eq "DEL without a cache entry still works" "$RC" 0
tool "$BIN_DIR" -v del gcnet "/run/netns/$c2"
expect_eq "DEL c2" "$RC" 0
[[ $ERR == *"plugin 1/1 type=\"veth\""*"ok in "*" ms"* ]] && pass "-v logs each plugin with its time" \
  || fail "-v output: $ERR"
expect_eq "no gcnet reservation left" "$(reservations gcnet)" 0

# --- A .conf file; errors.
tool "$BIN_DIR" add lonet "/run/netns/$c3"
expect_json "a .conf runs as a one-plugin list" "$OUT" '[.cniVersion, .ips[0].address]' '["0.4.0","127.0.0.1/8"]'
tool "$BIN_DIR" del lonet "/run/netns/$c3"
expect_eq "DEL lonet" "$RC" 0
tool "$BIN_DIR" add nosuch "/run/netns/$c3"
expect_cni_error "unknown network" 7 'no net configuration with name "nosuch"'
tool "$BIN_DIR" check ctnet "/run/netns/$c3"
expect_cni_error "CHECK without a previous ADD" 7 "no cached result"
tool "$work/empty" add ctnet "/run/netns/$c3"
expect_cni_error "plugin not in CNI_PATH" 7 'plugin type="ptp" failed (add): plugins[0].type: failed to find plugin'
tool "$BIN_DIR" add
expect_eq "usage" "$RC:$OUT" "1:"

finish
