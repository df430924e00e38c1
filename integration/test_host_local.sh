#!/usr/bin/env bash
# host-local: ADD/CHECK/DEL/GC/STATUS with the real binary, result shapes, the on-disk format,
# and configuration errors. host-local needs no namespace, but still runs in a throwaway one.
. "$(dirname "$0")/lib.sh"

make_ns host
make_ns ctr
ctr_path=/run/netns/$ctr
make_tmpdir data
dir=$data/net1

# conf VERSION [IPAM-EXTRA-JSON]: two range sets (v4 + v6) under the temp data dir.
conf() {
  printf '{"cniVersion":"%s","name":"net1","type":"bridge","ipam":{"type":"host-local","dataDir":"%s","ranges":[[{"subnet":"10.40.0.0/24"}],[{"subnet":"fd40::/64"}]],"routes":[{"dst":"0.0.0.0/0"},{"dst":"::/0","gw":"fd40::1"}]%s}}' \
    "$1" "$data" "${2:-}"
}
gc_conf() {
  printf '{"cniVersion":"1.1.0","name":"net1","type":"bridge","ipam":{"type":"host-local","dataDir":"%s","ranges":[[{"subnet":"10.40.0.0/24"}],[{"subnet":"fd40::/64"}]]},"cni.dev/valid-attachments":%s}' \
    "$data" "$1"
}
ips_in_dir() { (cd "$dir" && ls | grep -vE '^(lock|last_reserved_ip\..*)$' | sort | tr '\n' ' '); }

# ADD: one address per range set, gateways, routes, the 1.1.0 shape.
cni "$host" host-local ADD c1 "$ctr_path" eth0 "$(conf 1.1.0)"
expect_eq "ADD exits 0" "$RC" 0
expect_json "ADD addresses" "$OUT" '[.ips[] | [.address, .gateway]]' \
  '[["10.40.0.2/24","10.40.0.1"],["fd40::2/64","fd40::1"]]'
expect_json "no interfaces in an IPAM result" "$OUT" '[has("interfaces"), (.ips[0] | has("interface"))]' '[false,false]'
expect_json "routes echoed" "$OUT" '.routes' '[{"dst":"0.0.0.0/0"},{"dst":"::/0","gw":"fd40::1"}]'
expect_eq "stderr is quiet" "$ERR" ""

# The reference's on-disk format, byte for byte, and permissions.
expect_eq "reservation file content" "$(od -An -c "$dir/10.40.0.2" | tr -s ' ')" " c 1 \r \n e t h 0"
expect_eq "last_reserved_ip.0" "$(cat "$dir/last_reserved_ip.0")" "10.40.0.2"
expect_eq "last_reserved_ip.1" "$(cat "$dir/last_reserved_ip.1")" "fd40::2"
expect_eq "network dir holds only the reference's files" "$(ls "$dir" | tr '\n' ' ')" \
  "10.40.0.2 fd40::2 last_reserved_ip.0 last_reserved_ip.1 lock "
expect_eq "file mode 0600" "$(stat -c %a "$dir/10.40.0.2")" 600
expect_eq "dir mode 0755" "$(stat -c %a "$dir")" 755

# A second ADD for the same attachment is refused; another interface is another attachment.
cni "$host" host-local ADD c1 "$ctr_path" eth0 "$(conf 1.1.0)"
expect_cni_error "duplicate ADD refused" 102 "duplicate allocation is not allowed"
cni "$host" host-local ADD c1 "$ctr_path" eth1 "$(conf 0.4.0)"
expect_json "0.4.0 shape: ips carry version" "$OUT" '[.ips[] | [.address, .version]]' \
  '[["10.40.0.3/24","4"],["fd40::3/64","6"]]'
cni "$host" host-local ADD c2 "$ctr_path" eth0 "$(conf 0.2.0)"
expect_json "0.2.0 shape" "$OUT" '[.ip4.ip, .ip4.gateway, .ip6.ip, has("ips")]' \
  '["10.40.0.4/24","10.40.0.1","fd40::4/64",false]'

# Requested addresses: CNI_ARGS (a list), args.cni.ips, runtimeConfig.ips.
cni "$host" host-local ADD c3 "$ctr_path" eth0 "$(conf 1.0.0)" CNI_ARGS="IP=10.40.0.100,fd40::100"
expect_json "CNI_ARGS IP list" "$OUT" '[.ips[].address]' '["10.40.0.100/24","fd40::100/64"]'
cni "$host" host-local ADD c4 "$ctr_path" eth0 "$(conf 1.0.0 ',"x":1},"args":{"cni":{"ips":["10.40.0.101"]}},"y":{')"
# A requested address also moves last_reserved_ip (as the reference): round robin goes on after it.
expect_json "args.cni.ips" "$OUT" '[.ips[].address]' '["10.40.0.101/24","fd40::101/64"]'
cni "$host" host-local ADD c5 "$ctr_path" eth0 "$(conf 1.0.0 ',"x":1},"runtimeConfig":{"ips":["fd40::102/64"]},"y":{')"
expect_json "runtimeConfig.ips" "$OUT" '[.ips[].address]' '["10.40.0.102/24","fd40::102/64"]'
cni "$host" host-local ADD c6 "$ctr_path" eth0 "$(conf 1.0.0)" CNI_ARGS="IP=10.40.0.100"
expect_cni_error "requested address taken" 102 "requested IP address 10.40.0.100 is not available"
cni "$host" host-local ADD c6 "$ctr_path" eth0 "$(conf 1.0.0)" CNI_ARGS="IP=10.99.0.1"
expect_cni_error "requested address outside every range" 7 "is outside every range"
cni "$host" host-local ADD c6 "$ctr_path" eth0 "$(conf 1.0.0)" CNI_ARGS="IP=10.40.0.1"
expect_cni_error "requested gateway" 7 "is the gateway of 10.40.0.0/24"
cni "$host" host-local ADD c6 "$ctr_path" eth0 "$(conf 1.0.0)" CNI_ARGS="K8S_POD_NAME=x"
expect_cni_error "unknown CNI_ARGS key" 4 "unknown key \"K8S_POD_NAME\""
cni "$host" host-local ADD c6 "$ctr_path" eth0 "$(conf 1.0.0)" CNI_ARGS="K8S_POD_NAME=x;IgnoreUnknown=1"
expect_eq "IgnoreUnknown accepts unknown keys" "$RC" 0
before=$(ips_in_dir)

# CHECK.
cni "$host" host-local CHECK c1 "$ctr_path" eth0 "$(conf 1.1.0)"
expect_eq "CHECK of a live attachment" "$RC:$OUT" "0:"
cni "$host" host-local CHECK nobody "$ctr_path" eth0 "$(conf 1.1.0)"
expect_cni_error "CHECK of an unknown attachment" 106 "no address is reserved for container nobody interface eth0"

# DEL: releases every address of the attachment, twice is fine, other attachments stay.
cni "$host" host-local DEL c1 "$ctr_path" eth0 "$(conf 1.1.0)"
expect_eq "DEL exits 0, prints nothing" "$RC:$OUT" "0:"
check "DEL removed c1/eth0's files" test ! -e "$dir/10.40.0.2" -a ! -e "$dir/fd40::2"
check "c1/eth1 untouched" test -e "$dir/10.40.0.3"
cni "$host" host-local DEL c1 "$ctr_path" eth0 "$(conf 1.1.0)"
expect_eq "second DEL exits 0" "$RC:$OUT" "0:"
cni "$host" host-local DEL c1 "" eth0 "$(conf 1.1.0)"
expect_eq "DEL without CNI_NETNS exits 0" "$RC" 0
cni "$host" host-local CHECK c1 "$ctr_path" eth0 "$(conf 1.1.0)"
expect_cni_error "CHECK after DEL fails" 106 "no address is reserved"
cni "$host" host-local DEL c1 "$ctr_path" eth0 \
  "{\"cniVersion\":\"1.0.0\",\"name\":\"other\",\"type\":\"x\",\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"$data\"}}"
expect_eq "DEL on a network that never existed exits 0" "$RC" 0
check "... and creates nothing" test ! -e "$data/other"

# Legacy ID-only reservation files (older versions) are released by DEL of that container.
printf 'legacy1' >"$dir/10.40.0.200"
cni "$host" host-local DEL legacy1 "$ctr_path" eth0 "$(conf 1.1.0)"
check "DEL releases a legacy ID-only file" test ! -e "$dir/10.40.0.200"

# STATUS.
cni "$host" host-local STATUS "" "" "" "$(conf 1.1.0)"
expect_eq "STATUS ready" "$RC:$OUT" "0:"
cni "$host" host-local STATUS "" "" "" "$(printf '{"cniVersion":"1.1.0","name":"tiny","type":"x","ipam":{"type":"host-local","dataDir":"%s","subnet":"10.41.0.0/30"}}' "$data")"
expect_eq "STATUS of an unused tiny network" "$RC" 0
cni "$host" host-local ADD t1 "$ctr_path" eth0 "$(printf '{"cniVersion":"1.1.0","name":"tiny","type":"x","ipam":{"type":"host-local","dataDir":"%s","subnet":"10.41.0.0/30"}}' "$data")"
cni "$host" host-local STATUS "" "" "" "$(printf '{"cniVersion":"1.1.0","name":"tiny","type":"x","ipam":{"type":"host-local","dataDir":"%s","subnet":"10.41.0.0/30"}}' "$data")"
expect_cni_error "STATUS when a range set is exhausted" 50 "no IP addresses available in range set 0: 10.41.0.1-10.41.0.2"
cni "$host" host-local STATUS "" "" "" "$(printf '{"cniVersion":"1.1.0","name":"n","type":"x","ipam":{"type":"host-local","dataDir":"%s/10.40.0.3/x","subnet":"10.41.0.0/24"}}' "$dir")"
expect_cni_error "STATUS with an unusable data dir" 50 "data directory unusable"

# GC: keeps valid attachments, releases everything else; an empty list releases all.
cni "$host" host-local GC "" "" "" "$(gc_conf '[{"containerID":"c1","ifname":"eth1"},{"containerID":"c3","ifname":"eth0"}]')"
expect_eq "GC exits 0, prints nothing" "$RC:$OUT" "0:"
expect_eq "GC kept exactly the valid ones" "$(ips_in_dir)" "10.40.0.100 10.40.0.3 fd40::100 fd40::3 "
check "GC left lock and last_reserved_ip" test -e "$dir/lock" -a -e "$dir/last_reserved_ip.0"
cni "$host" host-local GC "" "" "" "$(printf '{"cniVersion":"1.1.0","name":"net1","type":"bridge","ipam":{"type":"host-local","dataDir":"%s","subnet":"10.40.0.0/24"},"cni.dev/attachments":[]}' "$data")"
expect_eq "GC with an empty cni.dev/attachments list" "$RC:$(ips_in_dir)" "0:"
cni "$host" host-local GC "" "" "" "$(conf 1.0.0)"
expect_cni_error "GC needs 1.1.0" 1 "does not allow GC"

# Configuration errors name the key.
bad() { printf '{"cniVersion":"1.0.0","name":"net1","type":"bridge","ipam":{"type":"host-local","dataDir":"%s",%s}}' "$data" "$1"; }
cni "$host" host-local ADD e1 "$ctr_path" eth0 "$(bad '"subnet":"10.40.0.0/31"')"
expect_cni_error "subnet too small" 7 "ipam.subnet: Network 10.40.0.0/31 too small to allocate from"
cni "$host" host-local ADD e1 "$ctr_path" eth0 "$(bad '"subnet":"10.40.0.9/24"')"
expect_cni_error "host bits set" 7 "ipam.subnet: Network has host bits set"
cni "$host" host-local ADD e1 "$ctr_path" eth0 "$(bad '"ranges":[[{"subnet":"10.40.0.0/24","rangeStart":"10.41.0.1"}]]')"
expect_cni_error "rangeStart outside the subnet" 7 "ipam.ranges[0][0].rangeStart: RangeStart 10.41.0.1 not in network"
cni "$host" host-local ADD e1 "$ctr_path" eth0 "$(bad '"ranges":[[{"subnet":"10.40.0.0/24","rangeStart":"10.40.0.50","rangeEnd":"10.40.0.10"}]]')"
expect_cni_error "start after end" 7 "rangeEnd: RangeEnd 10.40.0.10 is before RangeStart 10.40.0.50"
cni "$host" host-local ADD e1 "$ctr_path" eth0 "$(bad '"ranges":[[{"subnet":"10.40.0.0/24"}],[{"subnet":"10.40.0.0/16"}]]')"
expect_cni_error "overlapping range sets" 7 "range set 1 overlaps with range set 0"
cni "$host" host-local ADD e1 "$ctr_path" eth0 "$(bad '"ranges":[[{"subnet":"10.40.0.0/24"},{"subnet":"fd40::/64"}]]')"
expect_cni_error "mixed families in a set" 7 "ipam.ranges[0]: mixed address families"
cni "$host" host-local ADD e1 "$ctr_path" eth0 "{\"cniVersion\":\"1.0.0\",\"name\":\"net1\",\"type\":\"bridge\",\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"relative\",\"subnet\":\"10.40.0.0/24\"}}"
expect_cni_error "relative dataDir" 7 "ipam.dataDir"
cni "$host" host-local ADD e1 "$ctr_path" eth0 '{"cniVersion":"1.0.0","name":"net1","type":"bridge"}'
expect_cni_error "missing ipam" 7 "IPAM config missing 'ipam' key"
cni "$host" host-local ADD e1 "$ctr_path" eth0 "$(printf '{"cniVersion":"0.2.0","name":"net1","type":"bridge","ipam":{"type":"host-local","dataDir":"%s","ranges":[[{"subnet":"10.40.0.0/24"}],[{"subnet":"10.42.0.0/24"}]]}}' "$data")"
expect_cni_error "0.2.0 with two v4 range sets" 7 "does not support more than 1 address per family"
cni "$host" host-local ADD e1 "$ctr_path" eth0 "$(conf 1.0.0 ',"resolvConf":"/nonexistent/resolv.conf"')"
expect_cni_error "unreadable resolvConf" 7 "ipam.resolvConf"
expect_eq "failed ADDs reserved nothing" "$(ips_in_dir)" ""

# resolvConf into dns.
printf 'nameserver 192.0.2.53\nsearch example.test\noptions ndots:2\n' >"$data/resolv.conf"
cni "$host" host-local ADD d1 "$ctr_path" eth0 "$(conf 1.0.0 ",\"resolvConf\":\"$data/resolv.conf\"")"
expect_json "dns from resolvConf" "$OUT" '.dns' '{"nameservers":["192.0.2.53"],"options":["ndots:2"],"search":["example.test"]}'

# An IPAM plugin never enters the container: a CNI_NETNS it cannot see (a delegating plugin in
# another mount namespace, an allocation ahead of time) gives the same results.
missing=/run/netns/cnit-does-not-exist-$$
res=()
files=()
for path in "$ctr_path" "$missing" "$data/resolv.conf"; do
  rm -f "$dir"/last_reserved_ip.* # each round starts from the same state
  cni "$host" host-local ADD n1 "$path" eth0 "$(conf 1.1.0)"
  res[${#res[@]}]="ADD $RC $OUT"
  cni "$host" host-local CHECK n1 "$path" eth0 "$(conf 1.1.0)"
  res[${#res[@]}]="CHECK $RC $OUT"
  cni "$host" host-local DEL n1 "$path" eth0 "$(conf 1.1.0)"
  res[${#res[@]}]="DEL $RC $OUT"
  files[${#files[@]}]=$(ips_in_dir)
done
expect_eq "ADD with CNI_NETNS missing = with it present" "${res[3]}" "${res[0]}"
expect_eq "CHECK with CNI_NETNS missing = with it present" "${res[4]}" "${res[1]}"
expect_eq "DEL with CNI_NETNS missing = with it present" "${res[5]}" "${res[2]}"
expect_eq "... and with CNI_NETNS not a namespace" "${res[6]}|${res[7]}|${res[8]}" "${res[0]}|${res[1]}|${res[2]}"
expect_json "... the ADD succeeded" "${res[0]#ADD 0 }" '.ips | length' 2
expect_eq "... and the files are the same" "${files[1]}|${files[2]}" "${files[0]}|${files[0]}"
cni "$host" host-local ADD n1 "" eth0 "$(conf 1.1.0)"
expect_cni_error "ADD with CNI_NETNS empty is still refused (the spec requires it)" 4 CNI_NETNS

# VERSION.
cni "$host" host-local VERSION "" "" "" '{"cniVersion":"1.1.0"}'
expect_json "VERSION" "$OUT" '.supportedVersions | length' '7'

finish
