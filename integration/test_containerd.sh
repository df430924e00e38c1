#!/usr/bin/env bash
# containerd 1.6 (Debian's containerd + runc) on our plugins alone, both ways it calls CNI:
#   - `ctr run --cni` (the ctr process runs the plugins; only the first conf of
#     /etc/cni/net.d, plugins from /opt/cni/bin): two containers on a bridge + host-local +
#     loopback network get addresses and a default route, ping each other and the gateway;
#     after they exit (DEL with an empty CNI_NETNS) nothing is left;
#   - CRI, as kubelet drives it (integration/cri/cri_client.py: RunPodSandbox,
#     PodSandboxStatus, StopPodSandbox, RemovePodSandbox over the daemon's socket), on
#     containerd's own test conflist (bridge with promiscMode, dual stack, portmap) plus
#     bandwidth: two pods ping each other over IPv4 and IPv6; a pod's hostPort answers on the
#     host; the bandwidth annotations give the pod a TBF qdisc and an ifb, which removing the
#     pod removes; stop + remove leave no link, address, rule or reservation; twenty pods
#     started and removed concurrently get distinct addresses and leave nothing either.
# The daemon is private (own root, state, socket, opt dir; CRI's bin_dir = our build, conf_dir
# a temp dir; snapshotter native) and runs in the throwaway host netns inside the private
# mount namespace of runtime_lib.sh, where /opt/cni/bin and /usr/lib/cni are our build and
# /etc/cni/net.d a temp dir. The images are built from busybox-static (no registry).
. "$(dirname "$0")/lib.sh"

SCRIPT_ARGS=("$@")
. "$(dirname "$0")/runtime_lib.sh"
PLUGINS=(bridge host-local loopback portmap bandwidth)
PY=/usr/bin/python3 # Debian's, with python3-grpcio (not a pyenv or venv one)
CRI_CLIENT=$SOURCE_DIR/integration/cri/cri_client.py

if [ "${SCRIPT_ARGS[0]:-}" != --inner ]; then
  for b in containerd ctr containerd-shim-runc-v2; do
    command -v "$b" >/dev/null || { echo "SKIP: $TEST_NAME: $b not installed (apt-get install containerd)"; exit 0; }
  done
  for b in runc busybox jq curl nsenter protoc tc nft iptables-save; do
    command -v "$b" >/dev/null || { echo "FAIL: $TEST_NAME: $b not installed (scripts/install-deps)"; exit 1; }
  done
  "$PY" -c 'import grpc, google.protobuf' 2>/dev/null ||
    { echo "FAIL: $TEST_NAME: $PY cannot import grpc (apt-get install python3-grpcio python3-protobuf)"; exit 1; }
  runtime_need_static_busybox
  for p in "${PLUGINS[@]}"; do
    [ -x "$BIN_DIR/$p" ] || { echo "FAIL: no $p in $BIN_DIR"; exit 1; }
  done
  runtime_outer "cnit-ctrd-$$"
fi

# --- Inner part: in the host netns, private mount namespace (ip netns exec).
t_start=$SECONDS
section() { echo "== $* (at $((SECONDS - t_start)) s)"; }
runtime_inner_mounts
sock=$work/containerd.sock
ctrd_pid=""
ext=cnit-ctrdext-$$
ctr_() { ctr --address "$sock" "$@"; }

cri() { "$PY" "$CRI_CLIENT" --socket "$sock" "$@"; }
inner_cleanup() {
  local id i
  if [ -n "$ctrd_pid" ] && kill -0 "$ctrd_pid" 2>/dev/null; then
    # Whatever a failed step left: pods (stop + remove), then ctr's containers.
    for id in $(cri list 2>/dev/null); do cri stopremove "$id" >/dev/null 2>&1; done
    for id in $(ctr_ -n cnitest containers ls -q 2>/dev/null); do
      ctr_ -n cnitest tasks kill -s KILL "$id" >/dev/null 2>&1
      ctr_ -n cnitest containers rm "$id" >/dev/null 2>&1
    done
    kill -TERM "$ctrd_pid"
    for i in $(seq 100); do kill -0 "$ctrd_pid" 2>/dev/null || break; sleep 0.1; done
  fi
  remove_cgroup_parent
  ip netns del "$ext" 2>/dev/null
}
trap 'rc=$?; set +e; inner_cleanup; (exit $rc); _cleanup' EXIT

# Our build where ctr looks for plugins (/opt/cni/bin, then Debian's /usr/lib/cni), a private
# /etc/cni/net.d for ctr's network config: all in this mount namespace only.
mount -t tmpfs -o mode=755 opt_private /opt
mkdir -p /opt/cni/bin
mount --bind "$BIN_DIR" /opt/cni/bin
[ ! -d /usr/lib/cni ] || mount --bind "$BIN_DIR" /usr/lib/cni
if [ -d /etc/cni/net.d ]; then
  mount -t tmpfs -o mode=755 cni_conf_private /etc/cni/net.d
elif [ -d /etc/cni ]; then
  mount -t tmpfs -o mode=755 cni_conf_private /etc/cni
  mkdir /etc/cni/net.d
else # no mount point to use: a private copy of /etc
  cp -a /etc "$work/etc"
  mount --bind "$work/etc" /etc
  mkdir -p /etc/cni/net.d
fi
mkdir -p "$work/cri-net.d" "$work/share" "$work/plugin-logs"

# Another host on a veth (192.0.2.2, 2001:db8:2::2), routed to us at 192.0.2.1 and
# 2001:db8:2::1: it reaches hostPorts.
ip netns add "$ext"
ip link add ext0 type veth peer name eth0 netns "$ext"
ip addr add 192.0.2.1/24 dev ext0
ip addr add 2001:db8:2::1/64 dev ext0 nodad
ip link set ext0 up
ip -n "$ext" addr add 192.0.2.2/24 dev eth0
ip -n "$ext" addr add 2001:db8:2::2/64 dev eth0 nodad
ip -n "$ext" link set eth0 up
ip -n "$ext" link set lo up
ip -n "$ext" route add default via 192.0.2.1
ip -n "$ext" -6 route add default via 2001:db8:2::1
HOST_IP=192.0.2.1 HOST_IP6=2001:db8:2::1

# The image, without a registry: a docker-archive of busybox-static, tagged both as the CRI
# sandbox image and as ctr's. Its entrypoint (the pods' pause process) serves
# "hello from <hostname>" on port 80 with busybox httpd, then sleeps (CRI makes a sandbox's
# rootfs and /dev/shm read-only: the page is in runc's /dev tmpfs); ctr runs give a command.
img=$work/image
busybox_rootfs "$img/rootfs" sh sleep ping ip cat httpd mkdir echo hostname touch
cat >"$img/rootfs/init" <<'EOF'
mkdir -p /dev/www
echo "hello from $(hostname)" >/dev/www/index.html
httpd -p 80 -h /dev/www
exec sleep 2147483647
EOF
tar -C "$img/rootfs" --owner=0 --group=0 -cf "$img/layer.tar" .
case $(uname -m) in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
jq -n --arg diff "sha256:$(sha256sum "$img/layer.tar" | cut -d' ' -f1)" --arg arch "$arch" \
  '{architecture: $arch, os: "linux", rootfs: {type: "layers", diff_ids: [$diff]},
    config: {Env: ["PATH=/bin"], Entrypoint: ["/bin/sh", "/init"]}}' >"$img/config.json"
echo '[{"Config":"config.json","RepoTags":["localhost/pause:latest","localhost/bbox:latest"],"Layers":["layer.tar"]}]' \
  >"$img/manifest.json"
tar -C "$img" -cf "$work/image.tar" config.json manifest.json layer.tar

# The daemon: everything under $work; CRI's CNI bin_dir is our build, conf_dir a temp dir.
cat >"$work/config.toml" <<EOF
version = 2
root = "$work/root"
state = "$work/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]

[grpc]
  address = "$sock"

[plugins."io.containerd.internal.v1.opt"]
  path = "$work/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/pause:latest"
  netns_mounts_under_state_dir = true
  restrict_oom_score_adj = true
  disable_apparmor = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "native"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$BIN_DIR"
    conf_dir = "$work/cri-net.d"
    max_conf_num = 1
EOF

# containerd's own test conflist (script/setup/install-cni), plus bandwidth for the
# kubernetes.io/*-bandwidth annotations.
cat >"$work/cri-net.d/10-containerd-net.conflist" <<'EOF'
{
  "cniVersion": "1.0.0",
  "name": "containerd-net",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni0",
      "isGateway": true,
      "ipMasq": true,
      "promiscMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [
          [{ "subnet": "10.88.0.0/16" }],
          [{ "subnet": "2001:4860:4860::/64" }]
        ],
        "routes": [
          { "dst": "0.0.0.0/0" },
          { "dst": "::/0" }
        ]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } },
    { "type": "bandwidth", "capabilities": { "bandwidth": true } }
  ]
}
EOF

# The plugins log every call (command, container, netns) to a file per caller.
section "starting containerd"
start_containerd() {
  rm -f "$work/version.json"
  CNI_LOG_FILE=$work/plugin-logs/cri.log CNI_LOG_LEVEL=debug \
    containerd --config "$work/config.toml" >>"$work/containerd.log" 2>&1 &
  ctrd_pid=$!
  for _ in $(seq 150); do
    [ -S "$sock" ] && cri version >"$work/version.json" 2>/dev/null && break
    kill -0 "$ctrd_pid" 2>/dev/null || break
    sleep 0.1
  done
  if ! kill -0 "$ctrd_pid" 2>/dev/null || [ ! -s "$work/version.json" ]; then
    tail -20 "$work/containerd.log"
    fail "containerd started with a private config"
    exit 1
  fi
}
stop_containerd() {
  kill -TERM "$ctrd_pid"
  for _ in $(seq 100); do kill -0 "$ctrd_pid" 2>/dev/null || break; sleep 0.1; done
  check "containerd stopped on SIGTERM" bash -c "! kill -0 $ctrd_pid 2>/dev/null"
  ctrd_pid=""
}
start_containerd
expect_json "CRI Version: containerd, API v1" "$(cat "$work/version.json")" \
  '[.runtime_name, .runtime_api_version]' '["containerd","v1"]'

section "importing the image"
for ns in cnitest k8s.io; do
  if ! ctr_ -n "$ns" images import --snapshotter native "$work/image.tar" >"$work/import.log" 2>&1; then
    cat "$work/import.log"
    fail "ctr -n $ns images import of the busybox-static image"
    exit 1
  fi
done
pass "ctr images import of the busybox-static image (no registry)"

# --- nothing of a container is left: rules naming it, reservations, veths, ifbs, netns files.
# residue WORDS...: prints what is left (empty when nothing).
residue() {
  local rules addrs x left=""
  rules=$( { nft list ruleset; iptables-save; ip6tables-save; } 2>&1)
  addrs=$(ip -j addr show | jq -r '.[].addr_info[].local')
  for x in "$@"; do
    [ -n "$x" ] || continue
    grep -qF -- "$x" <<<"$rules" && left+=" rule:$x"
    grep -rlsF --exclude='last_reserved_ip*' -- "$x" /var/lib/cni >/dev/null && left+=" /var/lib/cni:$x"
    grep -qxF -- "${x%/*}" <<<"$addrs" && left+=" addr:$x"
  done
  left+=$(ip -j link show | jq -r '.[] | select(.linkinfo.info_kind == "veth" or .linkinfo.info_kind == "ifb"
    or (.ifname | startswith("veth")) or (.ifname | startswith("bwp"))) | " link:" + .ifname' |
    grep -v ' link:ext0$' || true)
  left+=$(find /var/lib/cni/networks -type f ! -name lock ! -name 'last_reserved_ip*' ! -name seal -printf ' reservation:%f' 2>/dev/null || true)
  left+=$(find /var/lib/cni/results -type f -printf ' cache:%f' 2>/dev/null || true)
  printf '%s' "$left"
}

# ==== ctr run --cni ====
section "ctr run --cni"
cat >/etc/cni/net.d/10-ctr.conflist <<'EOF'
{
  "cniVersion": "1.0.0",
  "name": "ctrnet",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "ctr0",
      "isGateway": true,
      "ipMasq": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "10.77.0.0/24" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "loopback" }
  ]
}
EOF
ctr_run() {  # ctr_run ID SCRIPT: in the background, non-detached (so ctr sends DEL), --rm
  CNI_LOG_FILE=$work/plugin-logs/ctr.log CNI_LOG_LEVEL=debug \
    ctr_ -n cnitest run --rm --cni --snapshotter native --runc-root "$work/runc" \
    --fifo-dir "$work/fifo" --cgroup "/$tag/$1" \
    --mount "type=bind,src=$work/share,dst=/share,options=rbind:rw" \
    localhost/bbox:latest "$1" /bin/sh -c "$2" </dev/null >"$work/$1.out" 2>&1
}
# a: reports its address and routes, waits for b to finish. b: waits for a's address, pings
# it and the gateway.
ctr_run ctr-a 'ip -4 -o addr show dev eth0 >/share/a.addr.tmp; mv /share/a.addr.tmp /share/a.addr
  ip route >/share/a.route; ip -o link show lo >/share/a.lo
  while [ ! -e /share/done ]; do sleep 0.1; done' &
pid_a=$!
ctr_run ctr-b 'while [ ! -s /share/a.addr ]; do sleep 0.1; done
  ip -4 -o addr show dev eth0 >/share/b.addr; ip route >/share/b.route
  a=$(sed "s/.*inet \([0-9.]*\).*/\1/" /share/a.addr)
  if ping -c1 -W2 $a >/dev/null; then echo ok >/share/b.ping-a; else echo fail >/share/b.ping-a; fi
  if ping -c1 -W2 10.77.0.1 >/dev/null; then echo ok >/share/b.ping-gw; else echo fail >/share/b.ping-gw; fi
  touch /share/done' &
pid_b=$!
rc_a=0 rc_b=0
wait "$pid_a" || rc_a=$?
wait "$pid_b" || rc_b=$?
expect_eq "ctr run --cni ctr-a exits 0" "$rc_a" 0
expect_eq "ctr run --cni ctr-b exits 0" "$rc_b" 0
[ "$rc_a$rc_b" = 00 ] || cat "$work/ctr-a.out" "$work/ctr-b.out"
addr_a=$(sed -n 's/.*inet \([0-9.]*\/[0-9]*\).*/\1/p' "$work/share/a.addr" 2>/dev/null || true)
addr_b=$(sed -n 's/.*inet \([0-9.]*\/[0-9]*\).*/\1/p' "$work/share/b.addr" 2>/dev/null || true)
check "ctr: ctr-a has an address in 10.77.0.0/24 ($addr_a)" grep -q '^10\.77\.0\.[0-9]*/24$' <<<"$addr_a"
check "ctr: ctr-b has an address in 10.77.0.0/24 ($addr_b)" grep -q '^10\.77\.0\.[0-9]*/24$' <<<"$addr_b"
check "ctr: the addresses differ" test "$addr_a" != "$addr_b"
check "ctr: ctr-a's default route is via 10.77.0.1" grep -q '^default via 10.77.0.1 dev eth0' "$work/share/a.route"
check "ctr: ctr-b's default route is via 10.77.0.1" grep -q '^default via 10.77.0.1 dev eth0' "$work/share/b.route"
check "ctr: lo is up in ctr-a" grep -q 'UP' "$work/share/a.lo"
expect_eq "ctr: ctr-b pings ctr-a" "$(cat "$work/share/b.ping-a" 2>/dev/null)" ok
expect_eq "ctr: ctr-b pings the gateway" "$(cat "$work/share/b.ping-gw" 2>/dev/null)" ok
# ctr's ADD names the task's /proc/<pid>/ns/net; its DEL carries no netns: bridge and loopback
# logged a DEL per container with netns= empty.
for c in ctr-a ctr-b; do
  check "ctr: $c's ADD reached bridge with CNI_NETNS=/proc/<task pid>/ns/net" grep -q \
    "bridge\[[0-9]*\] debug: ADD network=ctrnet container=cnitest-$c ifname=eth0 netns=/proc/[0-9]*/ns/net\$" \
    "$work/plugin-logs/ctr.log"
  for p in bridge loopback; do
    check "ctr: $c's DEL reached $p with an empty CNI_NETNS" grep -q \
      "$p\[[0-9]*\] debug: DEL network=ctrnet container=cnitest-$c ifname=eth0 netns=\$" "$work/plugin-logs/ctr.log"
  done
done
expect_eq "ctr: nothing left after both containers exit" \
  "$(residue cnitest-ctr-a cnitest-ctr-b "$addr_a" "$addr_b")" ""
expect_eq "ctr: no container left" "$(ctr_ -n cnitest containers ls -q)" ""

# ==== CRI ====
section "CRI: four pods"
# run_pods SPEC...: RunPodSandbox for each at once; sets IDS (in order). Fails the test when
# one fails.
run_pods() {
  local out rc=0
  out=$(cri run "$@") || rc=$?
  IDS=()
  mapfile -t IDS < <(jq -r 'select(.id) | .id' <<<"$out")
  if [ "$rc" != 0 ] || [ "${#IDS[@]}" != $# ]; then
    OUT=$out ERR=$(tail -20 "$work/containerd.log") fail "RunPodSandbox of $# pod(s)"
    exit 1
  fi
}
pod() {  # pod NAME [jq filter on the spec]: a spec JSON
  jq -cn --arg n "$1" --arg t "/$tag" "{name: \$n, namespace: \"cnitest\", cgroup_parent: \$t} | ${2:-.}"
}
status() { cri status "$@"; }
in_pod() {  # in_pod NETNS COMMAND...: runs COMMAND (the host's binaries) in a pod's netns
  local ns=$1
  shift
  nsenter --net="$ns" "$@"
}
# pod_ping FROM TO ADDRESS FAMILY: FROM pings ADDRESS (up to three tries of 2 s: a loaded CI
# machine may lose the first; each miss prints the neighbour state).
pod_ping() {
  local i
  for i in 1 2 3; do
    if in_pod "${nsp[$1]}" ping -c1 -W2 "$3" >/dev/null 2>&1; then
      pass "CRI: $1 pings $2 over $4 ($3)"
      return
    fi
    echo "# try $i: $1 got no answer from $3; its neighbours: $(in_pod "${nsp[$1]}" ip neigh | tr '\n' ';')"
  done
  fail "CRI: $1 pings $2 over $4 ($3)"
}
words_of() {  # words_of STATUS-JSON-LINES: ids, names and addresses, for residue
  jq -r '.id, .ip, .additional_ips[]' <<<"$1"
}

run_pods "$(pod pod-a)" "$(pod pod-b)" \
  "$(pod pod-web '.port_mappings = [{protocol: "TCP", container_port: 80, host_port: 18080}]')" \
  "$(pod pod-bw '.annotations = {"kubernetes.io/ingress-bandwidth": "8M", "kubernetes.io/egress-bandwidth": "4M"}')"
pods=("${IDS[@]}")
st=$(status "${pods[@]}")
section "CRI: four pods running"
expect_json "CRI: the four pods are ready" "$(jq -s . <<<"$st")" '[.[].state] | unique' '["SANDBOX_READY"]'
declare -A ip4 ip6 nsp
while read -r id name a b n; do
  ip4[$name]=$a ip6[$name]=$b nsp[$name]=$n
done < <(jq -r '[.id, .name, .ip, (.additional_ips[0] // ""), .netns] | @tsv' <<<"$st")
check "CRI: pod-a has an IPv4 address in 10.88.0.0/16 (${ip4[pod-a]})" grep -q '^10\.88\.' <<<"${ip4[pod-a]}"
check "CRI: pod-a has an IPv6 address in 2001:4860:4860::/64 (${ip6[pod-a]})" grep -q '^2001:4860:4860:' <<<"${ip6[pod-a]}"
check "CRI: pod-a's netns is a state-dir bind mount (${nsp[pod-a]})" \
  grep -q "^$work/state/io.containerd.grpc.v1.cri/netns/cni-" <<<"${nsp[pod-a]}"
expect_eq "CRI: pod-a's default route" \
  "$(in_pod "${nsp[pod-a]}" ip -4 route show default)" "default via 10.88.0.1 dev eth0 "
pod_ping "pod-a" "pod-b" "${ip4[pod-b]}" IPv4
pod_ping "pod-a" "pod-b" "${ip6[pod-b]}" IPv6
pod_ping "pod-b" "pod-a" "${ip4[pod-a]}" IPv4
pod_ping "pod-b" "pod-a" "${ip6[pod-a]}" IPv6
pod_ping "pod-a" gateway 10.88.0.1 IPv4
pod_ping "pod-a" gateway 2001:4860:4860::1 IPv6
check "CRI: lo is up in pod-a (the cni-loopback network)" \
  grep -q UP <<<"$(in_pod "${nsp[pod-a]}" ip -o link show lo)"
check "CRI: the cni-loopback network ran our loopback on lo in pod-a's netns" grep -qF \
  "debug: ADD network=cni-loopback container=${pods[0]} ifname=lo netns=${nsp[pod-a]}" "$work/plugin-logs/cri.log"

# hostPort 18080 -> pod-web:80.
want="hello from pod-web"
for _ in $(seq 30); do [ -n "$(curl -s -m 2 "http://${ip4[pod-web]}/" || true)" ] && break; sleep 0.1; done
expect_eq "CRI: pod-web serves on its own address" "$(curl -s -m 3 "http://${ip4[pod-web]}/" || true)" "$want"
expect_eq "CRI: hostPort 18080 answers another host on $HOST_IP" \
  "$(ip netns exec "$ext" curl -s -m 3 "http://$HOST_IP:18080/" || true)" "$want"
expect_eq "CRI: hostPort 18080 answers another host on [$HOST_IP6] (IPv6)" \
  "$(ip netns exec "$ext" curl -s -m 3 "http://[$HOST_IP6]:18080/" || true)" "$want"
expect_eq "CRI: hostPort 18080 answers on the host's own address" \
  "$(curl -s -m 3 "http://$HOST_IP:18080/" || true)" "$want"

expect_eq "CRI: hostPort 18080 answers on 127.0.0.1" "$(curl -s -m 3 http://127.0.0.1:18080/ || true)" "$want"

# A second pod asking for the same hostPort: our portmap refuses it, containerd DELs the
# failed sandbox at once and RunPodSandbox fails; nothing of it stays, pod-web keeps the port.
out=$(cri run "$(pod pod-web2 '.port_mappings = [{protocol: "TCP", container_port: 80, host_port: 18080}]')") && rc=0 || rc=$?
if [ "$rc" != 0 ] && grep -qF "already published" <<<"$out"; then
  pass "CRI: RunPodSandbox of a pod asking for a taken hostPort fails (already published)"
else
  OUT=$out fail "CRI: RunPodSandbox of a pod asking for a taken hostPort fails (already published)"
fi
expect_eq "CRI: ... and leaves no sandbox" "$(cri list | sort)" "$(printf '%s\n' "${pods[@]}" | sort)"
expect_eq "CRI: ... no veth" "$(ip -j link show master cni0 type veth | jq length)" 4
expect_eq "CRI: ... no reservation (4 pods, 2 families)" \
  "$(find /var/lib/cni/networks/containerd-net -maxdepth 1 -type f -name '[0-9]*' | wc -l)" 8
expect_eq "CRI: ... and hostPort 18080 still reaches pod-web" \
  "$(ip netns exec "$ext" curl -s -m 3 "http://$HOST_IP:18080/" || true)" "$want"

# Bandwidth: containerd sends {"IngressRate": 8000000, "IngressBurst": 4294967295, ...}.
bw_veth=$(jq -r 'select(.name == "pod-bw") | .cni_result["containerd-net"].Interfaces
  | to_entries[] | select(.value.Sandbox == "" and (.key | startswith("veth"))) | .key' <<<"$st" 2>/dev/null || true)
if [ -z "$bw_veth" ]; then
  # The CNI result's shape differs between containerd versions: find the veth by its peer.
  peer=$(in_pod "${nsp[pod-bw]}" ip -j link show eth0 | jq -r '.[0].link_index')
  bw_veth=$(ip -j link show | jq -r --argjson i "$peer" '.[] | select(.ifindex == $i) | .ifname')
fi
qd=$(tc -j qdisc show dev "$bw_veth" 2>/dev/null || echo '[]')
expect_json "CRI: pod-bw's host veth $bw_veth has a TBF root qdisc at 8 Mbit/s (ingress annotation)" \
  "$qd" '[.[] | select(.kind == "tbf") | .options.rate]' '[1000000]'
expect_json "CRI: ... and an ingress qdisc (egress redirect)" "$qd" '[.[] | select(.kind == "ingress") | .kind]' '["ingress"]'
ifb=$(ip -j link show type ifb | jq -r '.[].ifname')
expect_eq "CRI: one ifb device for pod-bw's egress" "$(wc -w <<<"$ifb")" 1
expect_json "CRI: the ifb has a TBF at 4 Mbit/s (egress annotation)" \
  "$(tc -j qdisc show dev "${ifb:-none}" 2>/dev/null || echo '[]')" '[.[] | select(.kind == "tbf") | .options.rate]' '[500000]'
check "CRI: pod-bw still reaches pod-a" in_pod "${nsp[pod-bw]}" ping -c1 -W2 "${ip4[pod-a]}"

# Stop then remove, one pod after the other, as kubelet does.
section "CRI: stop and remove"
words=$(words_of "$st")
for id in "${pods[@]}"; do
  check "CRI: StopPodSandbox ${id:0:12}" cri stop "$id"
done
expect_eq "CRI: no ifb left after StopPodSandbox" "$(ip -j link show type ifb | jq -r '.[].ifname')" ""
for id in "${pods[@]}"; do
  check "CRI: RemovePodSandbox ${id:0:12}" cri remove "$id"
done
# shellcheck disable=SC2086 # one word per line
expect_eq "CRI: stop + remove leave nothing (links, addresses, rules, reservations, cache)" \
  "$(residue $words)" ""
expect_eq "CRI: no pod netns file left" "$(find "$work/state/io.containerd.grpc.v1.cri/netns" -type f 2>/dev/null)" ""
expect_eq "CRI: no sandbox left" "$(cri list)" ""
for id in "${pods[@]}"; do
  check "CRI: ${id:0:12}'s second DEL (RemovePodSandbox) reached bridge with an empty CNI_NETNS" grep -q \
    "bridge\[[0-9]*\] debug: DEL network=containerd-net container=$id ifname=eth0 netns=\$" "$work/plugin-logs/cri.log"
done

# Twenty pods at once, then all removed at once.
section "CRI: twenty pods at once"
specs=()
for i in $(seq 20); do specs+=("$(pod "pod-c$i")"); done
t0=$(date +%s%N)
run_pods "${specs[@]}"
t1=$(date +%s%N)
pods=("${IDS[@]}")
st=$(status "${pods[@]}")
all=$(jq -s . <<<"$st")
expect_json "CRI: twenty concurrent pods are ready" "$all" '[.[].state] | unique' '["SANDBOX_READY"]'
expect_json "CRI: twenty distinct IPv4 addresses" "$all" '[.[].ip | select(startswith("10.88."))] | unique | length' 20
expect_json "CRI: twenty distinct IPv6 addresses" "$all" \
  '[.[].additional_ips[0] | select(startswith("2001:4860:4860:"))] | unique | length' 20
expect_eq "CRI: twenty host veths on cni0" "$(ip -j link show master cni0 type veth | jq length)" 20
section "CRI: twenty pods running"
words=$(words_of "$st")
# containerd restarts under running pods (an upgrade): they stay ready, and the DELs after the
# restart (from containerd's stored state and libcni's cache) still clean everything.
stop_containerd
start_containerd
expect_json "CRI: after a containerd restart the twenty pods are still ready, same addresses" \
  "$(status "${pods[@]}" | jq -s '[.[] | [.state, .ip]]')" '.' "$(jq -c '[.[] | [.state, .ip]]' <<<"$all")"
t2=$(date +%s%N)
out=$(cri stopremove "${pods[@]}") || { OUT=$out fail "CRI: concurrent stop + remove"; }
t3=$(date +%s%N)
# shellcheck disable=SC2086
expect_eq "CRI: twenty pods stopped and removed concurrently leave nothing" "$(residue $words)" ""
expect_eq "CRI: no sandbox left" "$(cri list)" ""
echo "twenty pods: run $(((t1 - t0) / 1000000)) ms, stop + remove $(((t3 - t2) / 1000000)) ms"

# The daemon stops by PID; the outer part checks no process, cgroup or mount is left.
section "stopping containerd"
stop_containerd
remove_cgroup_parent
section "done"
finish
