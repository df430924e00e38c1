#!/usr/bin/env bash
# Podman's own networks on our plugins alone (cni_plugin_dirs = our build dir): Debian's
# default network conflist unchanged (bridge, portmap, firewall, tuning) and networks written
# by `podman network create`, on a host whose iptables FORWARD policy is DROP.
#   - `-p 18080:80`: answers on the host's address from the host itself, from another host
#     (a namespace routed to it), on 127.0.0.1, and from a second container (hairpin);
#   - `-p 18053:53/udp` answers; `-p 127.0.0.1:18081:80` answers on 127.0.0.1 only;
#   - `--mac-address` (tuning, via CNI_ARGS MAC=), and tuning's sysctl and mtu keys;
#   - `--opt isolate=true`: containers reach their own network, not another one;
#   - `podman rm -f`: no rule naming a container or its address (nft, iptables-save,
#     ip6tables-save), no veth, no reservation, no tuning backup file.
# The harness (throwaway host netns, private mounts, the image) is podman_lib.sh's.
. "$(dirname "$0")/lib.sh"

SCRIPT_ARGS=("$@")
. "$(dirname "$0")/podman_lib.sh"
podman_outer bridge host-local portmap firewall tuning

# --- Inner part: in the host netns, private mount namespace (ip netns exec).
podman_inner_setup sh sleep ping ip cat ls httpd mkdir echo
ext=cnit-pmext-$$
ip netns add "$ext"
trap 'rc=$?; set +e; inner_cleanup; ip netns del "$ext"; (exit $rc); _cleanup' EXIT

# Another host: a namespace on a veth, 192.0.2.2, routed to us at 192.0.2.1.
ip link add ext0 type veth peer name eth0 netns "$ext"
ip addr add 192.0.2.1/24 dev ext0
ip link set ext0 up
ip -n "$ext" addr add 192.0.2.2/24 dev eth0
ip -n "$ext" link set eth0 up
ip -n "$ext" link set lo up
ip -n "$ext" route add default via 192.0.2.1
HOST_IP=192.0.2.1

# Docker's setting: forwarding dropped unless a rule accepts it.
iptables -P FORWARD DROP
ip6tables -P FORWARD DROP

# Debian's default network, as packaged (/etc/cni/net.d/87-podman-bridge.conflist).
cat >"$work/net.d/87-podman-bridge.conflist" <<'JSON'
{
  "cniVersion": "0.4.0",
  "name": "podman",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni-podman0",
      "isGateway": true,
      "ipMasq": true,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "routes": [{ "dst": "0.0.0.0/0" }],
        "ranges": [[{ "subnet": "10.88.0.0/16", "gateway": "10.88.0.1" }]]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } },
    { "type": "firewall" },
    { "type": "tuning" }
  ]
}
JSON

expect_eq "podman sees the default network on our plugins" \
  "$(pm network ls --format '{{.Name}}' 2>"$work/netls.err" | grep -cx podman || true)" 1
check "no warning about the network configs" test ! -s "$work/netls.err"

run_ct() {  # run_ct NAME [podman run options...] -- COMMAND...
  local n=$1 rc=0 opts=()
  shift
  while [ "$1" != -- ]; do opts+=("$1"); shift; done
  shift
  names+=("$n")
  pm run -d --name "$n" --cgroup-parent "/$tag" "${opts[@]}" localhost/box "$@" >"$work/$n.run" 2>&1 || rc=$?
  expect_eq "$n: podman run exits 0" "$rc" 0
  [ "$rc" = 0 ] || { cat "$work/$n.run"; exit 1; }
}
ct_ip() { pm inspect "$1" --format "{{(index .NetworkSettings.Networks \"$2\").IPAddress}}"; }

# The web server: busybox httpd serving the container's name; a UDP echo in python3 (the
# host's /usr, read-only). Clients are curl and python3 (busybox-static's wget crashes in
# glibc's static resolver here).
web='mkdir -p /www && echo "hello from $(cat /etc/hostname)" >/www/index.html && exec httpd -f -p 80 -h /www'
udp='import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 53))
while True:
    d, a = s.recvfrom(512); s.sendto(b"pong " + d, a)'
c1=$tag-web
run_ct "$c1" --network podman --hostname web -p 18080:80 -p 127.0.0.1:18081:80 -- sh -c "$web"
c3=$tag-udp
run_ct "$c3" --network podman -p 18053:53/udp -v /usr:/usr:ro -- /usr/bin/python3 -c "$udp"
c2=$tag-client
mac2=0a:58:0a:58:00:63
run_ct "$c2" --network podman --mac-address "$mac2" -v /usr:/usr:ro -- /bin/sleep 1000

fetch() {  # fetch NETNS URL: the page, or "" (curl, 3 s timeout)
  if [ "$1" = host ]; then
    curl -s -m 3 "$2" 2>/dev/null || true
  else
    ip netns exec "$1" curl -s -m 3 "$2" 2>/dev/null || true
  fi
}
want="hello from web"
for _ in $(seq 20); do [ -n "$(fetch host "http://$(ct_ip "$c1" podman)/")" ] && break; sleep 0.1; done
expect_eq "the host reaches -p 18080:80 on its own address" "$(fetch host "http://$HOST_IP:18080/")" "$want"
expect_eq "the host reaches it on 127.0.0.1:18080" "$(fetch host http://127.0.0.1:18080/)" "$want"
expect_eq "another host reaches it on $HOST_IP:18080 (FORWARD policy DROP)" \
  "$(fetch "$ext" "http://$HOST_IP:18080/")" "$want"
expect_eq "a second container reaches it through the host's address (hairpin)" \
  "$(pm exec "$c2" /usr/bin/curl -s -m 3 "http://$HOST_IP:18080/" 2>/dev/null || true)" "$want"
expect_eq "-p 127.0.0.1:18081:80 answers on 127.0.0.1" "$(fetch host http://127.0.0.1:18081/)" "$want"
expect_eq "... and not on the host's address" "$(fetch host "http://$HOST_IP:18081/")" ""
expect_eq "... nor from another host" "$(fetch "$ext" "http://$HOST_IP:18081/")" ""
udp_ask() {
  ip netns exec "$ext" python3 -c 'import socket, sys; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3); s.sendto(b"ping", (sys.argv[1], 18053))
try: print(s.recvfrom(512)[0].decode())
except OSError: print("no answer")' "$HOST_IP"
}
for _ in $(seq 20); do [ "$(udp_ask)" = "pong ping" ] && break; sleep 0.2; done  # python3 starting
expect_eq "-p 18053:53/udp answers another host" "$(udp_ask)" "pong ping"
expect_eq "tuning: --mac-address is eth0's MAC" "$(pm exec "$c2" cat /sys/class/net/eth0/address)" "$mac2"

# A network with tuning's sysctl and mtu keys.
jq -c '.name = "tuned" | .plugins[0].bridge = "cni-tuned0" |
  .plugins[0].ipam.ranges = [[{"subnet": "10.89.77.0/24"}]] |
  .plugins[3] = {"type": "tuning", "mtu": 1400, "sysctl": {"net.ipv4.conf.IFNAME.arp_filter": "1"}}' \
  "$work/net.d/87-podman-bridge.conflist" >"$work/net.d/tuned.conflist"
c4=$tag-tuned
run_ct "$c4" --network tuned -- sleep 1000
expect_eq "tuning: the sysctl inside the container" \
  "$(pm exec "$c4" cat /proc/sys/net/ipv4/conf/eth0/arp_filter)" 1
expect_eq "tuning: ... and not on the host" "$(cat /proc/sys/net/ipv4/conf/all/arp_filter)" 0
expect_eq "tuning: the mtu" "$(pm exec "$c4" cat /sys/class/net/eth0/mtu)" 1400

# podman network create, with and without isolation.
for n in isoa isob; do
  check "podman network create --opt isolate=true $n" pm network create --opt isolate=true "$n"
done
expect_json "the conflist podman wrote asks firewall for same-bridge isolation" \
  "$(cat "$work/net.d/isoa.conflist")" '[.plugins[].type] + [.plugins[] | select(.type == "firewall") | .ingressPolicy]' \
  '["bridge","portmap","firewall","tuning","same-bridge"]'
a1=$tag-a1 a2=$tag-a2 b1=$tag-b1
run_ct "$a1" --network isoa -- sleep 1000
run_ct "$a2" --network isoa -- sleep 1000
run_ct "$b1" --network isob -- sleep 1000
check "isolated network: a1 reaches a2" pm exec "$a1" ping -c1 -W2 "$(ct_ip "$a2" isoa)"
if pm exec "$a1" ping -c1 -W2 "$(ct_ip "$b1" isob)" >/dev/null 2>&1; then
  fail "isolated network: a1 reached b1 on another bridge"
else
  pass "isolated network: a1 cannot reach b1 on another bridge"
fi
check "isolated network: a1 still reaches another host" pm exec "$a1" ping -c1 -W2 192.0.2.2

# podman rm -f: nothing left that names a container or its address.
ids=() ips=()
for n in "${names[@]}"; do
  ids+=("$(pm inspect "$n" --format '{{.Id}}')")
  for net in podman tuned isoa isob; do
    ip=$(ct_ip "$n" "$net" 2>/dev/null || true)
    [ -z "$ip" ] || [ "$ip" = "<no value>" ] || ips+=("$ip")
  done
done
for n in "${names[@]}"; do check "$n: podman rm -f" pm rm -f -t 0 "$n"; done
names=()
rules=$( { nft list ruleset; iptables-save; ip6tables-save; } 2>&1)
left=""
for x in "${ids[@]}" "${ips[@]}"; do
  grep -qF -- "$x" <<<"$rules" && left+=" $x"
  grep -qF -- "${x:0:12}" <<<"$rules" && left+=" ${x:0:12}"
done
expect_eq "no rule names a removed container or its address (nft, iptables, ip6tables)" "$left" ""
expect_eq "no veth left" "$(ip -j link show type veth | jq -c '[.[].ifname] - ["ext0"]')" '[]'
expect_eq "no reservation left" "$(find /var/lib/cni/networks -type f -name '10.*' 2>/dev/null)" ""
expect_eq "no tuning backup file left" "$(find /run/cni/tuning -type f 2>/dev/null)" ""
remove_cgroup_parent
finish
