#!/usr/bin/env bash
# conf/: every example network runs through our cnitool (ADD, CHECK, DEL) with our plugins in
# throwaway namespaces, and leaves nothing behind; the reference plugins' documented examples
# run unchanged.
. "$(dirname "$0")/lib.sh"

[ -x "$BIN_DIR/cnitool" ] || { echo "FAIL: no cnitool in $BIN_DIR (tools/ not built?)"; exit 1; }
make_ns host
make_tmpdir work
ip -n "$host" link set lo up
confdir=$SOURCE_DIR/conf

# runner NETDIR COMMAND NETWORK NETNS: our cnitool inside the host namespace.
runner() {
  set +e
  OUT=$(ip netns exec "$host" env NETCONFPATH="$1" CNI_PATH="$BIN_DIR" CNI_CACHE_DIR="$work/cache" \
    CNI_IFNAME=eth0 "$BIN_DIR/cnitool" "$2" "$3" "/run/netns/$4" 2>"$work/err")
  RC=$?
  set -e
  ERR=$(cat "$work/err")
}
residue() {
  local veths res
  veths=$(ip -n "$host" -j link show type veth | jq length)
  res=$(find "$work/ipam" -type f -name '[0-9a-f]*[.:]*' ! -name 'last_reserved_ip.*' 2>/dev/null | wc -l)
  echo "veths=$veths reservations=$res cache=$(find "$work/cache" -type f 2>/dev/null | wc -l)"
}

# try FILE: copies FILE into its own NETCONFPATH with the IPAM dataDir in $work, then ADD,
# CHECK (when the version has it), ping the gateway (when there is one), DEL.
try() {
  local file=$1 name dir ns gw version
  dir=$work/net.d-$(basename "$file")
  mkdir -p "$dir"
  jq --arg d "$work/ipam" 'if .plugins then .plugins |= map(if (.ipam.type // "") != "" then .ipam.dataDir = $d else . end)
                           elif (.ipam.type // "") != "" then .ipam.dataDir = $d else . end' "$file" >"$dir/$(basename "$file")"
  name=$(jq -r .name "$file")
  version=$(jq -r '.cniVersion // "0.1.0"' "$file")
  make_ns ns
  runner "$dir" add "$name" "$ns"
  expect_eq "$(basename "$file"): ADD" "$RC" 0
  gw=$(printf '%s' "$OUT" | jq -r '[.ips[]?.gateway // empty] | .[0] // empty')
  if [ -n "$gw" ] && [ "$(jq -r '[.. | objects | select(.isGateway == true or .isDefaultGateway == true or .type == "veth" or .type == "ptp")] | length' "$file")" != 0 ]; then
    check "$(basename "$file"): the container pings its gateway $gw" ip netns exec "$ns" ping -c1 -W2 "$gw"
  fi
  case $version in
    0.1.0|0.2.0|0.3.0|0.3.1) ;;
    *) runner "$dir" check "$name" "$ns"
       expect_eq "$(basename "$file"): CHECK" "$RC:$OUT" "0:" ;;
  esac
  runner "$dir" del "$name" "$ns"
  expect_eq "$(basename "$file"): DEL" "$RC" 0
  ip netns del "$ns"
  expect_eq "$(basename "$file"): nothing left" "$(residue)" "veths=0 reservations=0 cache=0"
}

for f in "$confdir"/*.conflist "$confdir"/reference/*.conf; do
  try "$f"
done

# The host-local documented example is an ipam section: run it inside a bridge network.
net=$(jq -c --arg d "$work/ipam" '{cniVersion:"1.0.0", name:"hldoc", type:"bridge", bridge:"hldoc0", isGateway:true} + {ipam: (.ipam + {dataDir:$d})}' \
  "$confdir/reference/host-local-ipam.json")
mkdir -p "$work/hl"
printf '%s' "$net" >"$work/hl/hl.conf"
make_ns hl
runner "$work/hl" add hldoc "$hl"
expect_json "host-local doc example: one address per range set, its routes" "$OUT" \
  '[[.ips[].address], [.routes[].dst]]' \
  '[["10.10.1.20/16","3ffe:ffff:0:1ff::10/64"],["0.0.0.0/0","192.168.0.0/16","3ffe:ffff:0:1ff::1/64"]]'
runner "$work/hl" del hldoc "$hl"
expect_eq "host-local doc example: DEL" "$RC" 0
finish
