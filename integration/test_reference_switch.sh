#!/usr/bin/env bash
# Switching from the reference binaries (Debian 12: 1.1.1 in /usr/lib/cni) to ours with
# containers running: the reference's bridge and ptp masquerade through iptables (-nft here):
# a chain CNI-<hash> and a commented POSTROUTING jump per container in `ip nat`/`ip6 nat`. Our
# DEL and GC must remove exactly those, leaving what the reference's own DEL leaves (the nat
# tables and their base chains) and nothing else touched: a hand-made MASQUERADE rule and
# another network's container keep theirs. The other direction (our ADD, the reference's DEL)
# leaves our rule in `inet cni_plugins_masquerade`, which our DEL or GC removes.
. "$(dirname "$0")/lib.sh"

for p in bridge ptp host-local; do
  [ -x "$REF_DIR/$p" ] || { echo "SKIP: $TEST_NAME needs the reference $p in $REF_DIR"; exit 0; }
done
iptables --version 2>/dev/null | grep nf_tables >/dev/null ||
  { echo "SKIP: $TEST_NAME needs iptables-nft (the reference masquerades through it)"; exit 0; }

make_ns host
make_tmpdir data
ip -n "$host" link set lo up

# Reference configs (1.0.0: the reference 1.1.1 knows no 1.1.0); ours are the same configs.
br=$(printf '{"cniVersion":"1.0.0","name":"refbr","type":"bridge","bridge":"rsbr0","isGateway":true,
  "ipMasq":true,"ipam":{"type":"host-local","dataDir":"%s",
  "ranges":[[{"subnet":"10.91.0.0/24"}],[{"subnet":"fd91::/64"}]]}}' "$data")
ptp=$(printf '{"cniVersion":"1.0.0","name":"refptp","type":"ptp","ipMasq":true,
  "ipam":{"type":"host-local","dataDir":"%s","ranges":[[{"subnet":"10.92.0.0/24"}]]}}' "$data")
other=$(printf '{"cniVersion":"1.0.0","name":"othernet","type":"ptp","ipMasq":true,
  "ipam":{"type":"host-local","dataDir":"%s","ranges":[[{"subnet":"10.93.0.0/24"}]]}}' "$data")

# ref_add PLUGIN ID CONFIG: the reference plugin (and its host-local) adds container ID in a
# fresh namespace, whose name goes to NS_<ID with - as _>.
ref_add() {
  local ns
  make_ns ns
  printf -v "NS_${2//-/_}" '%s' "$ns"
  CNI_PATH_OVERRIDE=$REF_DIR cni "$host" "$REF_DIR/$1" ADD "$2" "/run/netns/$ns" eth0 "$3"
  expect_eq "reference $1 ADD $2 exits 0" "$RC" 0
}
ns_of() { local v="NS_${1//-/_}"; printf '%s' "${!v}"; }
# ours PLUGIN COMMAND ID CONFIG [NETNS]: our plugin with our host-local.
ours() { cni "$host" "$1" "$2" "$3" "${5-/run/netns/$(ns_of "$3")}" eth0 "$4"; }

chain_of() { printf 'CNI-%s' "$(printf '%s%s' "$1" "$2" | sha512sum | cut -c1-24)"; }
# The nat state of the host namespace, as nft and both iptables-save see it, without counters.
nat_state() {
  {
    ip netns exec "$host" nft list ruleset
    ip netns exec "$host" iptables-save -t nat
    ip netns exec "$host" ip6tables-save -t nat
  } | grep -v '^#' | sed -E 's/ *counter packets [0-9]+ bytes [0-9]+//; s/\[[0-9]+:[0-9]+\]//'
}
# "yes" when the nat state still names the chain of container $2 of network $1, else "no".
traces() { if nat_state | grep -- "$(chain_of "$1" "$2")" >/dev/null; then echo yes; else echo no; fi; }

# --- Baseline: what the reference's own DEL leaves (the nat tables and base chains), plus
# rules that are not ours to touch: a hand-made MASQUERADE and another network's container.
ref_add bridge warm "$br"
CNI_PATH_OVERRIDE=$REF_DIR cni "$host" "$REF_DIR/bridge" DEL warm "/run/netns/$NS_warm" eth0 "$br"
expect_eq "reference DEL exits 0" "$RC" 0
ref_leaves=$(nat_state)
expect_eq "the reference's own DEL leaves no CNI- chain" "$(grep -c CNI- <<<"$ref_leaves" || true)" 0
ip netns exec "$host" iptables -t nat -A POSTROUTING -s 192.0.2.0/24 -j MASQUERADE
ref_add ptp other1 "$other"
baseline=$(nat_state)
expect_eq "another network's container has its chain" "$(traces othernet other1)" yes

# --- Reference ADD, our DEL: bridge (dual stack) and ptp.
ref_add bridge ctr-b "$br"
ref_add ptp ctr-p "$ptp"
ours ptp CHECK ctr-p "$(jq -c --argjson r "$OUT" '. + {prevResult: $r}' <<<"$ptp")"
expect_cni_error "our CHECK of it fails on the masquerade rules (documented)" 106 masquerade
expect_eq "reference bridge wrote its chain and jump in ip and ip6 nat (name = our formula)" \
  "$(ip netns exec "$host" iptables-save -t nat | grep -c -- "$(chain_of refbr ctr-b)"):$(
    ip netns exec "$host" ip6tables-save -t nat | grep -c -- "$(chain_of refbr ctr-b)")" "4:4"
expect_eq "reference ptp wrote its chain" "$(traces refptp ctr-p)" yes
ours bridge DEL ctr-b "$br"
expect_eq "our bridge DEL exits 0" "$RC:$OUT" "0:"
expect_eq "no trace of ctr-b left" "$(traces refbr ctr-b)" no
ours ptp DEL ctr-p "$ptp"
expect_eq "our ptp DEL exits 0" "$RC:$OUT" "0:"
expect_eq "nat state is the baseline again (reference DEL's leftovers, others untouched)" \
  "$(nat_state)" "$baseline"
expect_eq "host-local reservations released" \
  "$(ls "$data/refbr" "$data/refptp" | grep -c '^10\.\|^fd' || true)" 0

# --- DEL with ipMasq switched off since the ADD, and DEL with the netns gone: still removed.
ref_add bridge ctr-flip "$br"
ours bridge DEL ctr-flip "$(jq -c '.ipMasq = false' <<<"$br")"
expect_eq "DEL with ipMasq now false removes them" "$RC:$(traces refbr ctr-flip)" "0:no"
ref_add ptp ctr-gone "$ptp"
ip netns del "$NS_ctr_gone"
ours ptp DEL ctr-gone "$ptp" ""
expect_eq "DEL with CNI_NETNS empty removes them" "$RC:$(traces refptp ctr-gone)" "0:no"
expect_eq "nat state is the baseline again" "$(nat_state)" "$baseline"

# --- GC (1.1.0) with an empty valid list removes this network's leftovers, not others'.
ref_add bridge ctr-g1 "$br"
ref_add bridge ctr-g2 "$br"
ref_add ptp ctr-g3 "$ptp"
gc() { jq -c --argjson v "$2" '.cniVersion = "1.1.0" | . + {"cni.dev/valid-attachments": $v}' <<<"$1"; }
ours bridge GC "" "$(gc "$br" '[{"containerID":"ctr-g2","ifname":"eth0"}]')" ""
expect_eq "GC exits 0" "$RC:$OUT" "0:"
expect_eq "GC removed the stale one, kept the valid one and the other network's" \
  "$(traces refbr ctr-g1):$(traces refbr ctr-g2):$(traces refptp ctr-g3)" "no:yes:yes"
ours bridge GC "" "$(gc "$br" '[]')" ""
ours ptp GC "" "$(gc "$ptp" '[]')" ""
expect_eq "GC with an empty list: nat state is the baseline again" "$(nat_state)" "$baseline"

# --- The other direction: our ADD, the reference's DEL. The reference 1.1.1 never looks at
# nftables: our rule stays (as documented) until our DEL or GC of the attachment.
make_ns NS_ctr_o
ours ptp ADD ctr-o "$ptp"
expect_eq "our ADD exits 0" "$RC" 0
# Its DEL fails once: it releases the address and deletes the link, then `iptables -D` of a
# jump that never existed fails with iptables-nft's "Chain ... does not exist", which its
# go-iptables does not take for "not found". Its retry finds no link, skips that, succeeds.
CNI_PATH_OVERRIDE=$REF_DIR cni "$host" "$REF_DIR/ptp" DEL ctr-o "/run/netns/$NS_ctr_o" eth0 "$ptp"
expect_eq "the reference's first DEL of our container fails in iptables" \
  "$RC:$(jq -r '.msg | test("iptables .* does not exist")' <<<"$OUT")" "1:true"
CNI_PATH_OVERRIDE=$REF_DIR cni "$host" "$REF_DIR/ptp" DEL ctr-o "/run/netns/$NS_ctr_o" eth0 "$ptp"
ours_left=$(ip netns exec "$host" nft list table inet cni_plugins_masquerade | grep -c "id: ctr-o" || true)
expect_eq "its retry succeeds and leaves our rule" "$RC:$ours_left" "0:1"
ours ptp DEL ctr-o "$ptp" ""
expect_eq "our DEL removes it" \
  "$(ip netns exec "$host" nft list table inet cni_plugins_masquerade | grep -c "id: ctr-o" || true)" 0

finish
