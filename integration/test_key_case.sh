#!/usr/bin/env bash
# Config keys in any case, as the reference's Go decoder reads them: each plugin gets the same
# config with its keys lowercased as documented, Capitalised, UPPERCASED, and with a key
# repeated in another case (the last one wins); the result and the kernel state must be what
# the documented spelling gives, and what the reference binary gives for the same config.
. "$(dirname "$0")/lib.sh"

make_ns host
make_ns ctr
make_tmpdir data
ip -n "$host" link set lo up

# Every object key, nested ones included, through a jq string filter.
recase() { jq -c "walk(if type == \"object\" then with_entries(.key |= ($1)) else . end)"; }

# What an ADD produced: the result and the kernel state, with MACs and veth names masked.
state() {
  printf '%s' "$OUT" | jq -S -c 'walk(if type == "object" then del(.mac) else . end) |
    .interfaces |= map(.name |= sub("^veth[0-9a-f]+$"; "veth*"))'
  ip -n "$ctr" -j addr show dev eth0 | jq -c '[.[0].mtu, [.[0].addr_info[] | select(.scope == "global") | .local + "/" + (.prefixlen|tostring)]]'
  ip -n "$ctr" -j route show | jq -c '[.[] | [.dst, .gateway]]'
  ip -n "$host" -j addr show type bridge | jq -c '[.[] | [.ifname, .mtu, [.addr_info[] | select(.family == "inet") | .local]]]'
  ip -n "$host" -j link show type veth | jq -c '[.[] | [.master, .mtu]]'
}

# run_case PLUGIN-DIR PLUGIN CONFIG: ADD, state, DEL; prints the state.
run_case() {
  rm -f "$data"/*/last_reserved_ip.* # every run starts from the same first free address
  CNI_PATH_OVERRIDE=$1 cni "$host" "$1/$2" ADD kc1 "/run/netns/$ctr" eth0 "$3"
  [ "$RC" = 0 ] || echo "ADD failed: $OUT"
  state
  CNI_PATH_OVERRIDE=$1 cni "$host" "$1/$2" DEL kc1 "/run/netns/$ctr" eth0 "$3"
  [ "$RC" = 0 ] || echo "DEL failed: $OUT"
  for b in $(ip -n "$host" -j link show type bridge | jq -r '.[].ifname'); do ip -n "$host" link del "$b"; done
}

declare -A CONF
CONF[bridge]=$(printf '{"cniVersion":"1.0.0","name":"kc","type":"bridge","bridge":"kcbr0","isGateway":true,
  "isDefaultGateway":true,"hairpinMode":true,"mtu":1400,"ipam":{"type":"host-local","dataDir":"%s",
  "ranges":[[{"subnet":"10.81.0.0/24","rangeStart":"10.81.0.20"}]],"routes":[{"dst":"192.0.2.0/24"}]}}' "$data")
CONF[ptp]=$(printf '{"cniVersion":"1.0.0","name":"kcp","type":"ptp","mtu":1300,"ipam":{"type":"host-local",
  "dataDir":"%s","subnet":"10.82.0.0/24","rangeStart":"10.82.0.30","routes":[{"dst":"0.0.0.0/0"}]}}' "$data")

for p in bridge ptp; do
  conf=${CONF[$p]}
  want=$(run_case "$BIN_DIR" "$p" "$conf")
  for variant in capitalised upper dup; do
    case $variant in
      capitalised) c=$(printf '%s' "$conf" | recase '(.[:1] | ascii_upcase) + .[1:]') ;;
      upper) c=$(printf '%s' "$conf" | recase 'ascii_upcase') ;;
      # The documented key first, another spelling last: the last one wins.
      dup) c="${conf%\}},\"MTU\":1280}"
           want_dup=$(run_case "$BIN_DIR" "$p" "$(printf '%s' "$conf" | jq -c '.mtu = 1280')") ;;
    esac
    got=$(run_case "$BIN_DIR" "$p" "$c")
    [ "$variant" = dup ] && expect_eq "$p, $variant keys: as the documented spelling of the last one" "$got" "$want_dup" ||
      expect_eq "$p, $variant keys: same result and kernel state as the documented spelling" "$got" "$want"
    if [ -x "$REF_DIR/$p" ]; then
      ref=$(run_case "$REF_DIR" "$p" "$c")
      expect_eq "$p, $variant keys: same as the reference binary" "$got" "$ref"
    fi
  done
done
expect_eq "no address left reserved" "$(find "$data" -name '10.*' | wc -l)" 0
finish
