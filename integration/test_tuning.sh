#!/usr/bin/env bash
# tuning, chained after veth as a conflist would: every key's kernel state after ADD and again
# after DEL, CHECK, refused sysctls and a failed ADD that change nothing, DEL twice and with the
# netns gone, GC, the allow-list (a private /etc/cni/tuning mounted with unshare -m), a symlink
# out of /proc/sys/net, and backup files exchanged both ways with the reference binary.
. "$(dirname "$0")/lib.sh"

REF_TUNING=$REF_DIR/tuning

make_ns host
make_tmpdir data
tdir=$data/tuning
ip -n "$host" link set lo up

veth_conf=$(printf '{"cniVersion":"1.0.0","name":"tnet","type":"veth",
  "ipam":{"type":"host-local","dataDir":"%s","subnet":"10.91.0.0/24"}}' "$data")

# tuning_conf VERSION KEYS-JSON PREVRESULT: a tuning config chained onto PREVRESULT.
tuning_conf() {
  jq -cn --arg v "$1" --arg dir "$tdir" --argjson keys "$2" --argjson prev "$3" \
    '{cniVersion: $v, name: "tnet", type: "tuning", dataDir: $dir, prevResult: $prev} + $keys'
}

# state NS IF: the link attributes tuning touches, and two sysctls, as one line.
state() {
  local l
  l=$(ip -n "$1" -j -d link show dev "$2")
  printf '%s' "$l" | jq -r '.[0] | "mac=\(.address) mtu=\(.mtu) txqlen=\(.txqlen)" +
    " promisc=\(.flags | index("PROMISC") != null) allmulti=\(.flags | index("ALLMULTI") != null)"' |
    tr -d '\n'
  printf ' arp_filter=%s somaxconn=%s\n' \
    "$(ip netns exec "$1" cat "/proc/sys/net/ipv4/conf/$2/arp_filter")" \
    "$(ip netns exec "$1" cat /proc/sys/net/core/somaxconn)"
}
backups() { (cd "$tdir" 2>/dev/null && ls -A) | tr '\n' ' ' | sed 's/ $//'; }

# --- ADD with every key, chained onto veth's result.
make_ns c1
cni "$host" veth ADD ctr1 "/run/netns/$c1" eth0 "$veth_conf"
expect_eq "veth ADD" "$RC" 0
prev=$OUT
before=$(state "$c1" eth0)
host_before=$(state "$host" lo)
keys='{"sysctl":{"net.ipv4.conf.IFNAME.arp_filter":"1","net/core/somaxconn":"777"},
  "mac":"0A:58:0A:5B:00:42","mtu":1400,"promisc":true,"allmulti":true,"txQLen":2000}'
conf=$(tuning_conf 1.0.0 "$keys" "$prev")
cni "$host" tuning ADD ctr1 "/run/netns/$c1" eth0 "$conf"
expect_eq "tuning ADD exits 0" "$RC" 0
res=$OUT
expect_eq "every attribute and sysctl set in the container" "$(state "$c1" eth0)" \
  "mac=0a:58:0a:5b:00:42 mtu=1400 txqlen=2000 promisc=true allmulti=true arp_filter=1 somaxconn=777"
expect_eq "the host namespace's sysctls untouched" "$(state "$host" lo)" "$host_before"
expect_eq "result: prevResult with the container MAC updated, nothing else" \
  "$(printf '%s' "$res" | jq -cS .)" \
  "$(printf '%s' "$prev" | jq -cS '.interfaces[1].mac = "0a:58:0a:5b:00:42"')"
orig_mac=$(printf '%s' "$prev" | jq -r '.interfaces[1].mac')
orig_mtu=$(printf '%s' "$before" | sed -E 's/.* mtu=([0-9]+).*/\1/')
expect_eq "backup file: the reference's name, mode 0600" "$(stat -c '%n %a' "$tdir/ctr1_eth0.json")" \
  "$tdir/ctr1_eth0.json 600"
expect_eq "backup file: the original values, the reference's fields and layout" \
  "$(jq -c . "$tdir/ctr1_eth0.json")" \
  "$(jq -cn --arg m "$orig_mac" --argjson mtu "$orig_mtu" \
     '{mac: $m, promisc: false, mtu: $mtu, allmulti: false, txQLen: 1000, network: "tnet"}')"
expect_eq "backup file: one-space indent, no trailing newline (Go's MarshalIndent)" \
  "$(head -c 4 "$tdir/ctr1_eth0.json" | od -An -tx1 | tr -d ' '):$(tail -c 1 "$tdir/ctr1_eth0.json")" \
  '7b0a2022:}'

# CHECK with the final result as prevResult; then with the MTU changed behind its back.
chk=$(printf '%s' "$conf" | jq -c --argjson r "$res" '.prevResult = $r')
cni "$host" tuning CHECK ctr1 "/run/netns/$c1" eth0 "$chk"
expect_eq "CHECK after ADD" "$RC:$OUT" "0:"
ip -n "$c1" link set eth0 mtu 1300
cni "$host" tuning CHECK ctr1 "/run/netns/$c1" eth0 "$chk"
expect_cni_error "CHECK notices the MTU" 106 "MTU of eth0 is 1300, configured 1400"
ip -n "$c1" link set eth0 mtu 1400
ip netns exec "$c1" sh -c 'echo 0 > /proc/sys/net/ipv4/conf/eth0/arp_filter'
cni "$host" tuning CHECK ctr1 "/run/netns/$c1" eth0 "$chk"
expect_cni_error "CHECK notices the sysctl" 106 'sysctl["net.ipv4.conf.IFNAME.arp_filter"]'
ip netns exec "$c1" sh -c 'echo 1 > /proc/sys/net/ipv4/conf/eth0/arp_filter'

# DEL restores the link attributes (sysctls die with the namespace, as the reference) and
# removes the backup; a second DEL is a no-op.
cni "$host" tuning DEL ctr1 "/run/netns/$c1" eth0 "$conf"
expect_eq "tuning DEL exits 0" "$RC:$OUT" "0:"
expect_eq "every link attribute restored" "$(state "$c1" eth0 | sed 's/ arp_filter.*//')" \
  "$(printf '%s' "$before" | sed 's/ arp_filter.*//')"
expect_eq "backup file removed" "$(backups)" ""
cni "$host" tuning DEL ctr1 "/run/netns/$c1" eth0 "$conf"
expect_eq "second DEL exits 0" "$RC:$OUT" "0:"
expect_eq "second DEL changed nothing" "$(state "$c1" eth0 | sed 's/ arp_filter.*//')" \
  "$(printf '%s' "$before" | sed 's/ arp_filter.*//')"

# --- Podman's bare {"type":"tuning"}: prevResult through, nothing touched; Podman's
# --mac-address (CNI_ARGS MAC=, already set by the first plugin): a backup, removed by DEL.
before=$(state "$c1" eth0)
cni "$host" tuning ADD bare "/run/netns/$c1" eth0 "$(tuning_conf 1.0.0 '{}' "$prev")"
expect_eq "bare tuning ADD passes prevResult through" \
  "$RC:$(printf '%s' "$OUT" | jq -cS 'del(.cniVersion)')" "0:$(printf '%s' "$prev" | jq -cS 'del(.cniVersion)')"
expect_eq "bare tuning ADD touched nothing" "$(state "$c1" eth0):$(backups)" "$before:"
cur_mac=$(printf '%s' "$prev" | jq -r '.interfaces[1].mac')
cni "$host" tuning ADD podman1 "/run/netns/$c1" eth0 "$(tuning_conf 0.4.0 '{}' "$prev")" \
  CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAME=p;MAC=$cur_mac"
expect_eq "CNI_ARGS MAC= equal to the current MAC: ADD exits 0, a backup file" "$RC:$(backups)" \
  "0:podman1_eth0.json"
cni "$host" tuning DEL podman1 "/run/netns/$c1" eth0 "$(tuning_conf 0.4.0 '{}' "$prev")" \
  CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAME=p;MAC=$cur_mac"
expect_eq "its DEL leaves the link as it was and no backup file" "$(state "$c1" eth0):$(backups)" "$before:"

# --- Keys in any case, as Go's decoder reads the reference's config ("MTU", "TxQLen").
cni "$host" tuning ADD fold1 "/run/netns/$c1" eth0 "$(tuning_conf 1.0.0 '{"MTU":1420,"TxQLen":33,"SysCtl":{"net.core.somaxconn":"778"}}' "$prev")"
expect_eq "keys matched case-insensitively" "$RC:$(state "$c1" eth0 | grep -o 'mtu=[0-9]* txqlen=[0-9]*\|somaxconn=.*' | tr '\n' ' ')" \
  "0:mtu=1420 txqlen=33 somaxconn=778 "
cni "$host" tuning DEL fold1 "/run/netns/$c1" eth0 "$(tuning_conf 1.0.0 '{"MTU":1420,"TxQLen":33}' "$prev")"
expect_eq "and restored" "$(state "$c1" eth0 | sed 's/ somaxconn.*//'):$(backups)" "$(printf '%s' "$before" | sed 's/ somaxconn.*//'):"
ip netns exec "$c1" sh -c 'echo 777 > /proc/sys/net/core/somaxconn'

# --- Refused sysctls: code 7 naming the key, nothing changed, no backup file.
ip netns exec "$c1" sh -c 'echo 0 > /proc/sys/net/ipv4/conf/eth0/arp_filter'
before=$(state "$c1" eth0)
for key in kernel.shmmax vm.swappiness net/../kernel/ostype "net.ipv4/../../../kernel/x"; do
  bad=$(tuning_conf 1.0.0 "$(jq -cn --arg k "$key" \
    '{sysctl: {"net.ipv4.conf.IFNAME.arp_filter": "1", ($k): "1"}, mtu: 1300, mac: "0a:58:0a:5b:00:43"}')" "$prev")
  cni "$host" tuning ADD bad1 "/run/netns/$c1" eth0 "$bad"
  expect_cni_error "sysctl $key refused" 7 "sysctl[\"$key\"]"
done
# (jq would merge duplicated keys: the second one is renamed in the text afterwards.)
bad=$(tuning_conf 1.0.0 '{"sysctl":{"net.core.somaxconn":"1","net.core.rmem_max":"2"}}' "$prev" |
  sed 's/"net\.core\.rmem_max"/"net.core.somaxconn"/')
cni "$host" tuning ADD bad2 "/run/netns/$c1" eth0 "$bad"
expect_cni_error "duplicated sysctl key refused" 7 "duplicated"
bad=$(tuning_conf 1.0.0 '{"sysctl":{"net.ipv4.conf.IFNAME.arp_filter":"1","net.core.nosuch":"1"},"mtu":1300}' "$prev")
cni "$host" tuning ADD bad3 "/run/netns/$c1" eth0 "$bad"
expect_cni_error "missing sysctl refused (after another was written)" 7 'sysctl["net.core.nosuch"]: no such sysctl'
cni "$host" tuning ADD bad4 "/run/netns/$c1" eth0 "$(tuning_conf 1.0.0 '{"mtu":20}' "$prev")"
expect_cni_error "MTU out of range" 7 "mtu: 20"
cni "$host" tuning ADD bad5 "/run/netns/$c1" eth0 "$(tuning_conf 1.0.0 '{"mac":"01:00:5e:00:00:01"}' "$prev")"
expect_cni_error "multicast MAC" 7 "mac:"
cni "$host" tuning ADD bad6 "/run/netns/$c1" eth0 "$(tuning_conf 1.0.0 '{"mtu":1300}' null | jq -c 'del(.prevResult)')"
expect_cni_error "no prevResult" 7 "prevResult"
long_id=$(printf 'c%.0s' {1..240})
cni "$host" tuning ADD "$long_id" "/run/netns/$c1" eth0 "$(tuning_conf 1.0.0 '{"sysctl":{"net.core.somaxconn":"5"},"mtu":1300}' "$prev")"
expect_cni_error "a container ID too long for the backup file name" 4 "CNI_CONTAINERID"
expect_eq "refused ADDs changed nothing" "$(state "$c1" eth0)" "$before"
expect_eq "refused ADDs left no backup file" "$(backups)" ""

# --- A symlink out of /proc/sys/net is refused: a private bind mount over the container's
# net/unix (made from inside its netns: /proc/sys/net entries are per namespace).
make_tmpdir fake
ln -s /proc/sys/kernel/ostype "$fake/max_dgram_qlen"
symconf=$(tuning_conf 1.0.0 '{"sysctl":{"net.unix.max_dgram_qlen":"Linux"}}' "$prev")
OUT=$(printf '%s' "$symconf" | unshare -m --propagation private sh -c '
  nsenter --net="/run/netns/$3" mount --bind "$1" /proc/sys/net/unix &&
  ip netns exec "$2" env -i CNI_COMMAND=ADD \
  CNI_CONTAINERID=sym CNI_NETNS="/run/netns/$3" CNI_IFNAME=eth0 CNI_PATH="$4" "$4/tuning"' \
  _ "$fake" "$host" "$c1" "$BIN_DIR") && RC=0 || RC=$?
expect_cni_error "a sysctl resolving outside /proc/sys/net is refused" 7 "resolves to /proc/sys/kernel/ostype"

# --- The allow-list, from a private /etc/cni/tuning (the machine's /etc/cni is not touched).
# with_allowlist LIST CONFIG: tuning ADD (ctr "al") in c1 with LIST as allowlist.conf.
with_allowlist() {
  OUT=$(printf '%s' "$2" | unshare -m --propagation private sh -c '
    mount -t tmpfs tmpfs /etc/cni && mkdir /etc/cni/tuning &&
    printf "%s\n" "$1" > /etc/cni/tuning/allowlist.conf &&
    ip netns exec "$2" env -i CNI_COMMAND=ADD CNI_CONTAINERID=al CNI_NETNS="/run/netns/$3" \
      CNI_IFNAME=eth0 CNI_PATH="$4" "$4/tuning"' _ "$1" "$host" "$c1" "$BIN_DIR") && RC=0 || RC=$?
}
alconf=$(tuning_conf 1.0.0 '{"sysctl":{"net.ipv4.conf.IFNAME.arp_filter":"1","net.core.somaxconn":"600"}}' "$prev")
with_allowlist '^net\.core\.' "$alconf"
expect_cni_error "allow-list refuses a key it does not list" 7 'sysctl["net.ipv4.conf.IFNAME.arp_filter"]: not allowed'
expect_eq "refused by the allow-list: nothing changed" "$(state "$c1" eth0)" "$before"
with_allowlist "$(printf '^net\\.core\\.\n^net\\.ipv4\\.conf\\.IFNAME\\.arp_filter$')" "$alconf"
expect_eq "allow-list listing both keys: ADD exits 0" "$RC" 0
expect_eq "allowed sysctls written" "$(state "$c1" eth0 | sed 's/.* arp_filter/arp_filter/')" \
  "arp_filter=1 somaxconn=600"
ip netns exec "$c1" sh -c 'echo 0 > /proc/sys/net/ipv4/conf/eth0/arp_filter'
ip netns exec "$c1" sh -c 'echo 777 > /proc/sys/net/core/somaxconn'

# --- A failed ADD (the kernel refuses the MTU after sysctls, MAC and promisc were applied)
# changes nothing: a VXLAN's MTU cannot exceed its lower device's minus 50.
make_ns c2
ip -n "$c2" link add low0 mtu 1400 type veth peer name low1
ip -n "$c2" link add eth1 type vxlan id 7 dstport 4789 dev low0
vprev=$(jq -cn --arg ns "/run/netns/$c2" '{cniVersion: "1.0.0", interfaces: [{name: "eth1", sandbox: $ns}]}')
before2=$(state "$c2" eth1)
fconf=$(tuning_conf 1.0.0 '{"sysctl":{"net.ipv4.conf.IFNAME.arp_filter":"1","net.core.somaxconn":"999"},
  "mac":"0a:58:0a:5b:00:77","promisc":true,"allmulti":true,"mtu":1500,"txQLen":55}' "$vprev")
cni "$host" tuning ADD fail1 "/run/netns/$c2" eth1 "$fconf"
expect_cni_error "the kernel refuses MTU 1500 on the VXLAN" 100 "MTU 1500"
expect_eq "the failed ADD changed nothing (link attributes, sysctls)" "$(state "$c2" eth1)" "$before2"
expect_eq "the failed ADD left no backup file" "$(backups)" ""
# A dotted ifname: the VXLAN renamed eth1.7, its sysctl named through IFNAME and by slash path.
ip -n "$c2" link set eth1 name eth1.7
dconf=$(tuning_conf 1.0.0 '{"sysctl":{"net.ipv4.conf.IFNAME.arp_filter":"1","net/ipv4/conf/eth1.7/arp_ignore":"2"}}' \
  "$(printf '%s' "$vprev" | jq -c '.interfaces[0].name = "eth1.7"')")
cni "$host" tuning ADD dot1 "/run/netns/$c2" eth1.7 "$dconf"
expect_eq "dotted ifname ADD exits 0" "$RC" 0
expect_eq "sysctls of eth1.7 set" \
  "$(ip netns exec "$c2" cat /proc/sys/net/ipv4/conf/eth1.7/arp_filter /proc/sys/net/ipv4/conf/eth1.7/arp_ignore | tr '\n' ' ')" "1 2 "

# --- DEL with the netns gone, and with CNI_NETNS empty, removes the backup file.
make_ns c3
cni "$host" veth ADD ctr3 "/run/netns/$c3" eth0 "$veth_conf"
c3conf=$(tuning_conf 1.0.0 '{"mtu":1300}' "$OUT")
cni "$host" tuning ADD ctr3 "/run/netns/$c3" eth0 "$c3conf"
expect_eq "backup file of ctr3" "$(backups)" "ctr3_eth0.json"
ip netns del "$c3"
cni "$host" tuning DEL ctr3 "/run/netns/$c3" eth0 "$c3conf"
expect_eq "DEL with the netns gone exits 0" "$RC:$OUT" "0:"
expect_eq "and removes the backup file" "$(backups)" ""
cni "$host" veth DEL ctr3 "/run/netns/$c3" eth0 "$veth_conf"
cni "$host" tuning ADD ctr4 "/run/netns/$c1" eth0 "$(tuning_conf 1.0.0 '{"mtu":1300}' "$prev")"
cni "$host" tuning DEL ctr4 "" eth0 "$(tuning_conf 1.0.0 '{"mtu":1300}' "$prev")"
expect_eq "DEL with CNI_NETNS empty removes the backup file" "$RC:$(backups)" "0:"
ip -n "$c1" link set eth0 mtu 1500

# --- GC (CNI 1.1): only this network's backups of attachments not in the valid list.
g() { tuning_conf 1.1.0 '{"mtu":1450}' "$prev" | jq -c --arg n "$1" '.name = $n'; }
cni "$host" tuning ADD keep "/run/netns/$c1" eth0 "$(g tnet)"
cni "$host" tuning ADD a_b_stale "/run/netns/$c1" eth0 "$(g tnet)"  # an ID with '_'
cni "$host" tuning ADD other "/run/netns/$c1" eth0 "$(g othernet)"
printf '{\n "mtu": 1500\n}' > "$tdir/refwritten_eth0.json"   # the reference's: no network
echo hi > "$tdir/README"
expect_eq "before GC" "$(backups)" \
  "README a_b_stale_eth0.json keep_eth0.json other_eth0.json refwritten_eth0.json"
cni "$host" tuning STATUS "" "" "" "$(g tnet)"
expect_eq "STATUS ready" "$RC:$OUT" "0:"
cni "$host" tuning GC "" "" "" "$(g tnet | jq -c '. + {"cni.dev/valid-attachments": [{"containerID":"keep","ifname":"eth0"}]}')"
expect_eq "GC exits 0" "$RC:$OUT" "0:"
expect_eq "GC removed only this network's stale backup" "$(backups)" \
  "README keep_eth0.json other_eth0.json refwritten_eth0.json"
rm -f "$tdir"/*
ip -n "$c1" link set eth0 mtu 1500

# --- Interop with the reference binary, both ways.
if [ -x "$REF_TUNING" ]; then
  before=$(state "$c1" eth0)
  iconf=$(tuning_conf 1.0.0 '{"mac":"0a:58:0a:5b:00:99","mtu":1280,"promisc":true,"allmulti":true}' "$prev")
  cni "$host" "$REF_TUNING" ADD ref1 "/run/netns/$c1" eth0 "$iconf"
  expect_eq "reference ADD exits 0" "$RC" 0
  expect_eq "reference ADD wrote its backup" "$(backups)" "ref1_eth0.json"
  cni "$host" tuning CHECK ref1 "/run/netns/$c1" eth0 "$(printf '%s' "$iconf" | jq -c --argjson r "$OUT" '.prevResult = $r')"
  expect_eq "our CHECK accepts the reference's ADD" "$RC:$OUT" "0:"
  cni "$host" tuning DEL ref1 "/run/netns/$c1" eth0 "$iconf"
  expect_eq "our DEL restores the reference's backup" "$RC:$(state "$c1" eth0):$(backups)" "0:$before:"
  cni "$host" tuning ADD ours1 "/run/netns/$c1" eth0 "$iconf"
  expect_eq "our ADD" "$RC:$(state "$c1" eth0 | cut -d' ' -f1-2)" "0:mac=0a:58:0a:5b:00:99 mtu=1280"
  cni "$host" "$REF_TUNING" DEL ours1 "/run/netns/$c1" eth0 "$iconf"
  expect_eq "the reference's DEL restores our backup and removes it" "$RC:$(state "$c1" eth0):$(backups)" "0:$before:"
else
  echo "SKIP: no reference tuning at $REF_TUNING"
fi

cni "$host" veth DEL ctr1 "/run/netns/$c1" eth0 "$veth_conf"
expect_eq "veth DEL" "$RC" 0
finish
