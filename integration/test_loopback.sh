#!/usr/bin/env bash
# loopback: ADD/CHECK/DEL against real namespaces, every result shape, and bad input.
. "$(dirname "$0")/lib.sh"

make_ns host
make_ns ctr
ctr_path=/run/netns/$ctr
conf() { printf '{"cniVersion":"%s","name":"lo","type":"loopback"}' "$1"; }

# ADD, 1.0.0 shape.
expect_eq "lo starts down" "$(link_state "$ctr" lo)" DOWN
cni "$host" loopback ADD c1 "$ctr_path" lo "$(conf 1.0.0)"
expect_eq "ADD 1.0.0 exits 0" "$RC" 0
expect_eq "lo is up after ADD" "$(link_state "$ctr" lo)" UP
expect_json "1.0.0 result interfaces" "$OUT" '.interfaces' \
  "[{\"mac\":\"00:00:00:00:00:00\",\"name\":\"lo\",\"sandbox\":\"$ctr_path\"}]"
expect_json "1.0.0 result ips" "$OUT" '[.ips[] | [.address, .interface, has("version")]]' \
  '[["127.0.0.1/8",0,false],["::1/128",0,false]]'
expect_json "1.0.0 cniVersion" "$OUT" '.cniVersion' '"1.0.0"'

# CHECK passes while up, fails once lo is down.
cni "$host" loopback CHECK c1 "$ctr_path" lo "$(conf 1.0.0)"
expect_eq "CHECK on up lo succeeds silently" "$RC:$OUT" "0:"
ip -n "$ctr" link set lo down
cni "$host" loopback CHECK c1 "$ctr_path" lo "$(conf 1.0.0)"
[ "$RC" != 0 ] && pass "CHECK on down lo fails" || fail "CHECK on down lo fails"

# The 0.3.1 and 0.2.0 shapes.
cni "$host" loopback ADD c1 "$ctr_path" lo "$(conf 0.3.1)"
expect_json "0.3.1 ips carry version" "$OUT" '[.ips[] | .version]' '["4","6"]'
expect_json "0.3.1 cniVersion" "$OUT" '.cniVersion' '"0.3.1"'
cni "$host" loopback ADD c1 "$ctr_path" lo "$(conf 0.2.0)"
expect_json "0.2.0 shape" "$OUT" '[.ip4.ip, .ip6.ip, has("ips")]' '["127.0.0.1/8","::1/128",false]'

# Without IPv6 in the container, only 127.0.0.1/8 is reported.
ip netns exec "$ctr" sysctl -qw net.ipv6.conf.lo.disable_ipv6=1
cni "$host" loopback ADD c1 "$ctr_path" lo "$(conf 1.1.0)"
expect_json "no ::1 when IPv6 is off" "$OUT" '[.ips[].address]' '["127.0.0.1/8"]'
ip netns exec "$ctr" sysctl -qw net.ipv6.conf.lo.disable_ipv6=0

# prevResult is passed through unchanged.
prev='{"cniVersion":"1.0.0","name":"lo","type":"loopback","prevResult":{"cniVersion":"1.0.0","ips":[{"address":"10.9.0.2/24"}],"dns":{}}}'
cni "$host" loopback ADD c1 "$ctr_path" lo "$prev"
expect_json "prevResult passes through" "$OUT" '[.ips[].address, (.interfaces|length)]' '["10.9.0.2/24",0]'

# VERSION.
cni "$host" loopback VERSION "" "" "" '{"cniVersion":"1.1.0"}'
expect_json "VERSION lists every version" "$OUT" '.supportedVersions' \
  '["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]'

# STATUS and GC are successful no-ops from 1.1.0; refused before.
cni "$host" loopback STATUS "" "" "" "$(conf 1.1.0)"
expect_eq "STATUS 1.1.0" "$RC:$OUT" "0:"
cni "$host" loopback GC "" "" "" '{"cniVersion":"1.1.0","name":"lo","type":"loopback","cni.dev/valid-attachments":[]}'
expect_eq "GC 1.1.0" "$RC:$OUT" "0:"
cni "$host" loopback STATUS "" "" "" "$(conf 1.0.0)"
expect_cni_error "STATUS needs 1.1.0" 1 "does not allow STATUS"

# DEL brings lo down; again is fine; so is a vanished netns or an empty CNI_NETNS.
cni "$host" loopback ADD c1 "$ctr_path" lo "$(conf 1.0.0)"
cni "$host" loopback DEL c1 "$ctr_path" lo "$(conf 1.0.0)"
expect_eq "DEL exits 0, prints nothing" "$RC:$OUT" "0:"
expect_eq "lo is down after DEL" "$(link_state "$ctr" lo)" DOWN
cni "$host" loopback DEL c1 "$ctr_path" lo "$(conf 1.0.0)"
expect_eq "second DEL exits 0" "$RC" 0
cni "$host" loopback DEL c1 "" lo "$(conf 1.0.0)"
expect_eq "DEL with empty CNI_NETNS exits 0" "$RC" 0
make_ns gone
ip netns del "$gone"
cni "$host" loopback DEL c1 "/run/netns/$gone" lo "$(conf 1.0.0)"
expect_eq "DEL with deleted netns exits 0" "$RC" 0

# The plugin's own namespace: ADD refused, DEL leaves the (throwaway) host's lo alone.
ip -n "$host" link set lo up
cni "$host" loopback ADD c1 /proc/self/ns/net lo "$(conf 1.0.0)"
expect_cni_error "ADD into the plugin's own netns is refused" 8 "own network namespace"
cni "$host" loopback DEL c1 /proc/self/ns/net lo "$(conf 1.0.0)"
expect_eq "DEL aimed at own netns succeeds" "$RC" 0
expect_eq "host lo stays up after that DEL" "$(link_state "$host" lo)" UP

# Bad input: each a CNI error with the right code, nothing changed.
ip -n "$ctr" link set lo down
cni "$host" loopback ADD c1 "$ctr_path" lo '{"cniVersion":"1.0.0","name":'
expect_cni_error "malformed JSON" 6 "error parsing"
cni "$host" loopback ADD c1 "$ctr_path" lo '{"cniVersion":"1.0.0","name":"lo"}'
expect_cni_error "missing type" 7 "type"
cni "$host" loopback ADD c1 "$ctr_path" lo '{"cniVersion":"42.0.0","name":"lo","type":"loopback"}'
expect_cni_error "unsupported version" 1 "incompatible CNI versions"
cni "$host" loopback CHECK c1 "$ctr_path" lo '{"name":"lo","type":"loopback"}'
expect_cni_error "missing cniVersion means 0.1.0: no CHECK" 1 "does not allow CHECK"
cni "$host" loopback ADD "" "$ctr_path" lo "$(conf 1.0.0)"
expect_cni_error "missing CNI_CONTAINERID" 4 "CNI_CONTAINERID"
cni "$host" loopback ADD 'bad/id' "$ctr_path" lo "$(conf 1.0.0)"
expect_cni_error "bad container ID" 4 "CNI_CONTAINERID"
cni "$host" loopback ADD c1 "$ctr_path" abcdefghijklmnop "$(conf 1.0.0)"
expect_cni_error "over-long ifname" 4 "too long"
cni "$host" loopback ADD c1 /etc/hostname lo "$(conf 1.0.0)"
expect_cni_error "netns path that is a regular file" 8 "not a network namespace"
cni "$host" loopback ADD c1 /run/netns/no-such-cnitest lo "$(conf 1.0.0)"
expect_cni_error "netns path that does not exist" 4 "does not exist"
cni "$host" loopback BOGUS c1 "$ctr_path" lo "$(conf 1.0.0)"
expect_cni_error "unknown command" 4 "BOGUS"
expect_eq "bad input changed nothing" "$(link_state "$ctr" lo)" DOWN

finish
