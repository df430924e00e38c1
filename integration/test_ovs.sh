#!/usr/bin/env bash
# The ovs plugin against a private ovsdb-server + ovs-vswitchd (userspace datapath) whose
# files live in a temp dir and which run in a throwaway "host" namespace, containers in
# throwaway namespaces: VLAN isolation, ping and TCP, trunks, the result's shape, CHECK, DEL
# (also with the netns gone, twice), GC, bad input, fault injection (in a build with
# CNI_FAULT_INJECTION) and killed daemons. Budget: ~1 min.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ovs_lib.sh"
command -v ovsdb-server >/dev/null || { echo "SKIP: $TEST_NAME needs openvswitch-switch"; exit 0; }
# shellcheck disable=SC2154 # _rc is assigned inside the trap string
trap '_rc=$?; set +e; ovs_stop; (exit $_rc); _cleanup' EXIT

make_ns H
make_tmpdir D
ovs_start "$D" "$H"
ovs_vsctl add-br br0 -- set bridge br0 datapath_type=netdev
SOCK="unix:$D/db.sock"

# conf NAME EXTRA-JSON: a config on br0 with host-local in the private data dir.
conf() {
  printf '{"cniVersion":"1.1.0","name":"%s","type":"ovs","bridge":"br0","socket_file":"%s",
    "ipam":{"type":"host-local","subnet":"10.77.0.0/24","dataDir":"%s/ipam"}%s}' \
    "$1" "$SOCK" "$D" "${2:+,$2}"
}
ports() { ovs_vsctl --no-wait --bare --columns=name list Port | grep -c veth || true; }
ifaces() { ovs_vsctl --no-wait --bare --columns=name list Interface | grep -c veth || true; }
host_veths() { ip -n "$H" -o link show type veth | wc -l; }
reservations() { find "$D/ipam" -name '10.77.*' 2>/dev/null | wc -l; }
ip_of() { printf '%s' "$1" | jq -r '.ips[0].address | split("/")[0]'; }

V100=$(conf net '"vlan":100')
V200=$(conf net '"vlan":200')

# --- ADD: two containers on VLAN 100, a third on VLAN 200 ---------------------------------
make_ns A; make_ns B; make_ns C
cni "$H" ovs ADD ca "/run/netns/$A" eth0 "$V100"
RA=$OUT
check "ADD A (vlan 100)" test "$RC" = 0
expect_json "result: interfaces are [host veth, container iface]" "$RA" \
  '[.interfaces[] | [(.name | startswith("veth")), (.sandbox // "")]]' \
  "[[true,\"\"],[false,\"/run/netns/$A\"]]"
expect_json "result: IPs on the container iface" "$RA" '[.ips[].interface]' '[1]'
cni "$H" ovs ADD cb "/run/netns/$B" eth0 "$V100"
RB=$OUT
check "ADD B (vlan 100)" test "$RC" = 0
cni "$H" ovs ADD cc "/run/netns/$C" eth0 "$V200"
RC_=$OUT
check "ADD C (vlan 200)" test "$RC" = 0
IPA=$(ip_of "$RA") IPB=$(ip_of "$RB") IPC=$(ip_of "$RC_")
HA=$(printf '%s' "$RA" | jq -r '.interfaces[0].name')
expect_eq "port tag in OVSDB" "$(ovs_vsctl --no-wait get Port "$HA" tag) $(ovs_vsctl --no-wait get Port "$HA" vlan_mode)" "100 access"
expect_json "external_ids identify the attachment" \
  "$(ovs_vsctl --no-wait -f json --columns=external_ids list Port "$HA")" \
  '.data[0][0][1] | map({(.[0]): .[1]}) | add | [.contIface, .cni_container_id, .cni_network, .owner]' \
  '["eth0","ca","net","ovs-cni.network.kubevirt.io"]'

check "A pings B (same VLAN)" ip netns exec "$A" ping -c1 -W2 "$IPB"
check "B pings A (same VLAN)" ip netns exec "$B" ping -c1 -W2 "$IPA"
if ip netns exec "$A" ping -c1 -W1 "$IPC" >/dev/null 2>&1; then fail "A reaches C on VLAN 200"; else pass "A does not reach C (other VLAN)"; fi
if ip netns exec "$C" ping -c1 -W1 "$IPB" >/dev/null 2>&1; then fail "C reaches B"; else pass "C does not reach B (other VLAN)"; fi

# TCP through the userspace datapath (needs tx checksum offload off in the container).
make_tmpdir W
echo "hello over ovs" >"$W/index.html"
ip netns exec "$B" busybox httpd -f -p 8080 -h "$W" &
HTTPD=$!
got=""
for _ in $(seq 20); do
  got=$(ip netns exec "$A" timeout 3 curl -s "http://$IPB:8080/index.html" 2>/dev/null) && break
  sleep 0.1
done
kill "$HTTPD" 2>/dev/null || true
wait "$HTTPD" 2>/dev/null || true
expect_eq "TCP from A to B" "$got" "hello over ovs"
# tx_csum NS IFNAME [0|1]: reads (or sets, then reads) tx checksum offload (ETHTOOL_[GS]TXCSUM).
tx_csum() {
  ip netns exec "$1" python3 - "$2" ${3:+"$3"} <<'PY'
import array, fcntl, socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
def req(cmd, data):
    buf = array.array("B", struct.pack("II", cmd, data))
    fcntl.ioctl(s, 0x8946, struct.pack("16sP", sys.argv[1].encode(), buf.buffer_info()[0]))
    return struct.unpack("II", buf.tobytes())[1]
if len(sys.argv) > 2:
    req(0x17, int(sys.argv[2]))
print(req(0x16, 0))
PY
}
expect_eq "tx checksum offload off on the container end (netdev datapath)" "$(tx_csum "$A" eth0)" "0"

# --- CHECK ------------------------------------------------------------------------------
V100_PREV=$(printf '%s' "$V100" | jq -c --argjson p "$RA" '. + {prevResult: $p}')
cni "$H" ovs CHECK ca "/run/netns/$A" eth0 "$V100_PREV"
check "CHECK passes after ADD" test "$RC" = 0
V200_PREV=$(printf '%s' "$V200" | jq -c --argjson p "$RA" '. + {prevResult: $p}')
cni "$H" ovs CHECK ca "/run/netns/$A" eth0 "$V200_PREV"
expect_cni_error "CHECK with another vlan fails" 106 "tag is 100, want 200"

# --- trunk ------------------------------------------------------------------------------
make_ns T
TRUNK=$(conf net '"trunk":[{"id":42},{"minID":10,"maxID":12},{"id":11}]')
cni "$H" ovs ADD ct "/run/netns/$T" eth0 "$TRUNK"
RT=$OUT
check "ADD trunk" test "$RC" = 0
HT=$(printf '%s' "$RT" | jq -r '.interfaces[0].name')
expect_eq "trunk port in OVSDB" "$(ovs_vsctl --no-wait get Port "$HT" vlan_mode) $(ovs_vsctl --no-wait get Port "$HT" trunks)" "trunk [10, 11, 12, 42]"
TRUNK_PREV=$(printf '%s' "$TRUNK" | jq -c --argjson p "$RT" '. + {prevResult: $p}')
cni "$H" ovs CHECK ct "/run/netns/$T" eth0 "$TRUNK_PREV"
check "CHECK trunk passes" test "$RC" = 0

# CHECK fails once the Port row is removed behind its back.
ovs_vsctl del-port br0 "$HT"
cni "$H" ovs CHECK ct "/run/netns/$T" eth0 "$TRUNK_PREV"
expect_cni_error "CHECK fails after the Port row is removed" 106 "no OVS port of ct/eth0"
cni "$H" ovs DEL ct "/run/netns/$T" eth0 "$TRUNK"
check "DEL after the row was removed succeeds" test "$RC" = 0

# --- DEL ---------------------------------------------------------------------------------
before_ports=$(ports) before_veths=$(host_veths) before_res=$(reservations)
cni "$H" ovs DEL cb "/run/netns/$B" eth0 "$V100"
check "DEL B" test "$RC" = 0
expect_eq "DEL removed the Port" "$(ports)" "$((before_ports - 1))"
expect_eq "DEL removed the Interface" "$(ifaces)" "$((before_ports - 1))"
expect_eq "DEL removed the host veth" "$(host_veths)" "$((before_veths - 1))"
expect_eq "DEL released the address" "$(reservations)" "$((before_res - 1))"
expect_eq "container iface gone" "$(ip -n "$B" -o link show type veth | wc -l)" "0"
cni "$H" ovs DEL cb "/run/netns/$B" eth0 "$V100"
check "DEL twice succeeds" test "$RC" = 0

# DEL with the netns deleted first: no row left.
ip netns del "$C"
cni "$H" ovs DEL cc "/run/netns/$C" eth0 "$V200"
check "DEL with the netns gone succeeds" test "$RC" = 0
expect_eq "no row of C left" "$(ovs_vsctl --no-wait --bare --columns=name find Port external_ids:cni_container_id=cc | grep -c . || true)" "0"
# DEL with CNI_NETNS empty removes the port and the host end.
cni "$H" ovs DEL ca "" eth0 "$V100"
check "DEL with CNI_NETNS empty succeeds" test "$RC" = 0
expect_eq "no port, interface or host veth left" "$(ports) $(ifaces) $(host_veths)" "0 0 0"
expect_eq "no reservation left" "$(reservations)" "0"

# A port of another owner is not deleted.
make_ns O
cni "$H" ovs ADD co "/run/netns/$O" eth0 "$V100"
HO=$(printf '%s' "$OUT" | jq -r '.interfaces[0].name')
ovs_vsctl --no-wait set Port "$HO" external_ids:owner=someone-else
cni "$H" ovs DEL co "/run/netns/$O" eth0 "$V100"
expect_cni_error "DEL refuses a port of another owner" 107 "belongs to owner \"someone-else\""
ovs_vsctl --no-wait set Port "$HO" external_ids:owner=ovs-cni.network.kubevirt.io
cni "$H" ovs DEL co "/run/netns/$O" eth0 "$V100"
check "DEL once the owner is ours again" test "$RC" = 0

# --- GC ----------------------------------------------------------------------------------
make_ns G1; make_ns G2; make_ns G3
# Three ADDs at once: ovs-vswitchd applies their next_cfg bumps together (cur_cfg jumps past
# some of them), which must not make any wait for the apply timeout (3 s).
start=$(date +%s%N)
for n in 1 2 3; do
  ns=G$n
  (cni "$H" ovs ADD "g$n" "/run/netns/${!ns}" eth0 "$V100"; echo "$RC" >"$D/rc-g$n") &
done
wait
ms=$((($(date +%s%N) - start) / 1000000))
expect_eq "three concurrent ADDs succeed" "$(cat "$D/rc-g1" "$D/rc-g2" "$D/rc-g3" | tr -d '\n')" "000"
check "... without waiting for the apply timeout (${ms} ms)" test "$ms" -lt 2900
OTHER=$(conf othernet '"vlan":300,"ipam":{"type":"host-local","subnet":"10.78.0.0/24","dataDir":"'"$D"'/ipam"}')
make_ns G4
cni "$H" ovs ADD g4 "/run/netns/$G4" eth0 "$OTHER"
ip netns del "$G2"  # a crash: its port stays behind
GC=$(printf '%s' "$V100" | jq -c '. + {"cni.dev/valid-attachments":[{"containerID":"g1","ifname":"eth0"},{"containerID":"g3","ifname":"eth0"}]}')
cni "$H" ovs GC "" "" "" "$GC"
check "GC succeeds" test "$RC" = 0
expect_eq "GC removed exactly the stale port" \
  "$(ovs_vsctl --no-wait --bare --columns=external_ids list Port | grep -o 'cni_container_id=g[0-9]' | sort | tr '\n' ' ')" \
  "cni_container_id=g1 cni_container_id=g3 cni_container_id=g4 "

# --- bad input: an error naming the field, nothing changed -------------------------------
make_ns X
before="$(ports) $(host_veths) $(reservations)"
cni "$H" ovs ADD cx "/run/netns/$X" eth0 '{"cniVersion":"1.0.0","name":"net","type":"ovs","socket_file":"'"$SOCK"'"}'
expect_cni_error "missing bridge" 7 "bridge: required"
cni "$H" ovs ADD cx "/run/netns/$X" eth0 "$(conf net '"vlan":100' | jq -c '.bridge = "nobr"')"
expect_cni_error "bridge that does not exist" 7 'bridge: OVS bridge "nobr" does not exist'
cni "$H" ovs ADD cx "/run/netns/$X" eth0 "$(conf net '"vlan":4096')"
expect_cni_error "vlan out of range" 7 "vlan: 4096 is out of range"
cni "$H" ovs ADD cx "/run/netns/$X" eth0 "$(conf net '"vlan":5,"trunk":[{"id":6}]')"
expect_cni_error "vlan with trunk" 7 "vlan: cannot be used together with trunk"
cni "$H" ovs ADD cx "/run/netns/$X" eth0 "$(conf net '"vlan":5' | jq -c --arg s "unix:$D/nothing.sock" '.socket_file = $s')"
expect_cni_error "unreachable socket_file" 107 "socket_file: ovsdb: connect unix:$D/nothing.sock"
# IPAM failing after the port was made (ovs-cni's endless-DEL bug): the rows are rolled back.
cni "$H" ovs ADD cx "/run/netns/$X" eth0 "$(conf net '"vlan":5' | jq -c '.ipam.rangeStart = "10.99.0.5"')"
check "an IPAM failure fails ADD" test "$RC" != 0
expect_eq "bad input changed nothing" "$(ports) $(host_veths) $(reservations)" "$before"
expect_eq "no container iface left" "$(ip -n "$X" -o link show type veth | wc -l)" "0"

# --- fault injection (a build with CNI_FAULT_INJECTION): every ovs point, fail and abort -----
# fail: the rollback leaves nothing; abort (no rollback): DEL, then GC with no valid attachment,
# leave nothing. Nothing = no Port or Interface row of the network, no host veth more, no
# reservation, no container interface.
if grep -qaF 'fault injected at' "$BIN_DIR/ovs"; then
  FI=$(conf finet '"vlan":400,"ipam":{"type":"host-local","subnet":"10.79.0.0/24","dataDir":"'"$D"'/ipam"}')
  FI_GC=$(printf '%s' "$FI" | jq -c '. + {"cni.dev/valid-attachments":[]}')
  fi_rows() { ovs_vsctl --no-wait --bare --columns=external_ids list Port | grep -c 'cni_network=finet' || true; }
  fi_state() { echo "rows=$(fi_rows) ifaces=$(ifaces) veths=$(host_veths) ips=$(find "$D/ipam/finet" -name '10.79.*' 2>/dev/null | wc -l) cont=$(ip -n "$X" -o link show type veth | wc -l)"; }
  points=$(grep -rhoE 'fault::point\("ovs\.[^"]+"\)' "$SOURCE_DIR/plugins/ovs" | sed -E 's/.*\("([^"]+)"\)/\1/' | sort -u)
  expect_eq "the ovs fault points are the ones listed in test_fault_injection" \
    "$(printf '%s\n' $points | tr '\n' ' ')" "ovs.after_port ovs.after_veth ovs.before_result "
  for point in $points ipconfig.after_addresses ipconfig.after_routes; do
    for mode in fail abort; do
      before=$(fi_state)
      cni "$H" ovs ADD "fi-$point-$mode" "/run/netns/$X" eth0 "$FI" \
        CNI_FAULT_POINT="$point" CNI_FAULT_MODE="$mode"
      if [ "$mode" = fail ]; then
        expect_cni_error "$point fail: ADD fails with the injected error" 999 "fault injected at $point"
      else
        expect_eq "$point abort: ADD crashes (SIGABRT)" "$RC" 134
        cni "$H" ovs DEL "fi-$point-$mode" "/run/netns/$X" eth0 "$FI"
        expect_eq "$point abort: DEL succeeds" "$RC:$OUT" "0:"
        cni "$H" ovs GC "" "" "" "$FI_GC"
        expect_eq "$point abort: GC succeeds" "$RC:$OUT" "0:"
      fi
      expect_eq "$point $mode: nothing left" "$(fi_state)" "$before"
    done
  done
fi

# --- killed daemons ----------------------------------------------------------------------
before="$(ports) $(host_veths) $(reservations)"
ovs_kill ovs-vswitchd
start=$(date +%s%N)
cni "$H" ovs ADD cx "/run/netns/$X" eth0 "$V100"
ms=$((($(date +%s%N) - start) / 1000000))
expect_cni_error "ADD with ovs-vswitchd killed fails" 107 "ovs-vswitchd did not apply port"
check "... within 5 s (${ms} ms)" test "$ms" -lt 5000
expect_eq "... leaving nothing behind" "$(ports) $(host_veths) $(reservations)" "$before"
expect_eq "... no container iface" "$(ip -n "$X" -o link show type veth | wc -l)" "0"
ovs_start_vswitchd

ovs_kill ovsdb-server
start=$(date +%s%N)
cni "$H" ovs ADD cx "/run/netns/$X" eth0 "$V100"
ms=$((($(date +%s%N) - start) / 1000000))
expect_cni_error "ADD with ovsdb-server killed fails" 107 "socket_file: ovsdb: connect"
check "... within 5 s (${ms} ms)" test "$ms" -lt 5000
expect_eq "... leaving nothing behind" "$(host_veths) $(reservations)" "$(echo "$before" | cut -d' ' -f2-)"
res_before=$(reservations)
cni "$H" ovs DEL g1 "/run/netns/$G1" eth0 "$V100"
expect_cni_error "DEL with ovsdb-server killed reports it" 107 "socket_file: ovsdb: connect"
expect_eq "... and still releases the address" "$(reservations)" "$((res_before - 1))"
expect_eq "... and the veth" "$(ip -n "$G1" -o link show type veth | wc -l)" "0"

finish
