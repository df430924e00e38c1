#!/usr/bin/env bash
# host-local: ours and the reference binary (Debian's containernetworking-plugins, v1.1.1 in
# /usr/lib/cni) on one data directory, in both directions: neither hands out the other's
# addresses, each CHECKs and DELs the other's reservations, and ours sees the reference's
# changes (new files, released files, an address released and handed to someone else).
. "$(dirname "$0")/lib.sh"

REF=$REF_DIR/host-local
[ -x "$REF" ] || { echo "SKIP: $TEST_NAME needs the reference host-local in $REF_DIR"; exit 0; }

make_ns host
make_ns ctr
ctr_path=/run/netns/$ctr
make_tmpdir data
dir=$data/mix
# v1.1.1 speaks CNI up to 1.0.0. A /28 has 13 usable addresses: .2 to .14 (.1 is the gateway).
conf=$(printf '{"cniVersion":"1.0.0","name":"mix","type":"bridge","ipam":{"type":"host-local","dataDir":"%s","ranges":[[{"subnet":"10.70.0.0/28"}],[{"subnet":"fd70::/64"}]]}}' "$data")
ours() { cni "$host" host-local "$1" "$2" "$ctr_path" eth0 "$conf" "${@:3}"; }
theirs() { cni "$host" "$REF" "$1" "$2" "$ctr_path" eth0 "$conf" "${@:3}"; }
v4() { printf '%s' "$OUT" | jq -r '.ips[0].address'; }
has_file() { [ -e "$dir/$1" ]; }

# The reference reserves first; ours goes on round-robin after it (shared last_reserved_ip.0).
theirs ADD r1
expect_eq "reference ADD" "$RC:$(v4)" "0:10.70.0.2/28"
ours ADD o1
expect_eq "ours skips the reference's address" "$RC:$(v4)" "0:10.70.0.3/28"
theirs ADD r2
expect_eq "the reference skips ours" "$RC:$(v4)" "0:10.70.0.4/28"
expect_eq "same file format both ways" \
  "$(od -An -c "$dir/10.70.0.2" | tr -s ' ')|$(od -An -c "$dir/10.70.0.3" | tr -s ' ')" \
  " r 1 \r \n e t h 0| o 1 \r \n e t h 0"

# CHECK each other's reservations.
ours CHECK r1
expect_eq "ours CHECKs the reference's reservation" "$RC:$OUT" "0:"
theirs CHECK o1
expect_eq "the reference CHECKs ours" "$RC" 0
ours ADD r1
expect_cni_error "ours refuses a duplicate of the reference's attachment" 102 "duplicate allocation"

# Fill the /28 alternating binaries: every address handed out once, then both report exhaustion.
got=("10.70.0.2/28" "10.70.0.3/28" "10.70.0.4/28")
fails=0
for i in $(seq 1 6); do
  theirs ADD "rm$i"
  if [ "$RC" = 0 ]; then got+=("$(v4)"); else fails=$((fails + 1)); fi
  ours ADD "om$i"
  if [ "$RC" = 0 ]; then got+=("$(v4)"); else fails=$((fails + 1)); fi
done
expect_eq "13 addresses handed out, all distinct" "$(printf '%s\n' "${got[@]}" | sort -u | wc -l):${#got[@]}" "13:13"
expect_eq "the two ADDs past the end failed" "$fails" 2
expect_cni_error "ours reports exhaustion (after the reference's ADDs)" 105 \
  "no IP addresses available in range set: 10.70.0.1-10.70.0.14"
theirs ADD extra
expect_eq "the reference is exhausted too" "$RC:$(printf '%s' "$OUT" | jq -r .msg)" \
  "1:failed to allocate for range 0: no IP addresses available in range set: 10.70.0.1-10.70.0.14"

# DEL each other's reservations.
ours DEL r1
expect_eq "ours DELs the reference's reservation" "$RC" 0
check "... its files are gone" test ! -e "$dir/10.70.0.2" -a ! -e "$dir/fd70::2"
theirs DEL o1
expect_eq "the reference DELs ours" "$RC" 0
check "... its files are gone" test ! -e "$dir/10.70.0.3" -a ! -e "$dir/fd70::3"
ours CHECK o1
expect_cni_error "ours sees the reference's DEL" 106 "no address is reserved for container o1"
theirs CHECK r1
check "the reference sees ours DEL" test "$RC" != 0
ours DEL o1
expect_eq "DEL of an already released attachment" "$RC" 0

# The reference releases an address and hands it straight to someone else: ours must follow.
theirs DEL r2
theirs ADD same CNI_ARGS="IP=10.70.0.4"
expect_eq "the reference reuses r2's address for 'same'" "$RC:$(v4)" "0:10.70.0.4/28"
ours CHECK r2
expect_cni_error "ours no longer sees r2" 106 "no address is reserved for container r2"
ours DEL r2
check "ours DEL of r2 leaves 'same' alone" has_file 10.70.0.4
ours CHECK same
expect_eq "ours sees 'same'" "$RC" 0

# Ours takes the two free addresses (.2, .3), the reference nothing more.
ours ADD n1
n1=$(v4)
ours ADD n2
expect_eq "ours gets the freed addresses" "$n1 $(v4)" "10.70.0.2/28 10.70.0.3/28"
theirs ADD n3
check "the reference finds nothing free" test "$RC" != 0

# GC by ours over a mix of both binaries' reservations.
valid='[{"containerID":"same","ifname":"eth0"},{"containerID":"om1","ifname":"eth0"},{"containerID":"rm1","ifname":"eth0"},{"containerID":"n1","ifname":"eth0"}]'
gc=$(printf '{"cniVersion":"1.1.0","name":"mix","type":"bridge","ipam":{"type":"host-local","dataDir":"%s","subnet":"10.70.0.0/28"},"cni.dev/valid-attachments":%s}' "$data" "$valid")
cni "$host" host-local GC "" "" "" "$gc"
expect_eq "GC exits 0" "$RC:$OUT" "0:"
owners=$(cd "$dir" && for f in 10.70.* fd70:*; do tr -d '\r' <"$f" | head -1; done | sort | tr '\n' ' ')
expect_eq "GC kept exactly the valid attachments (both families)" "$owners" \
  "n1 n1 om1 om1 rm1 rm1 same same "

# Both binaries release the rest; nothing is left.
for c in same om1 n1; do theirs DEL "$c"; done
ours DEL rm1
expect_eq "every address released" "$(ls "$dir" | grep -cE '^(10\.70|fd70)' || true)" 0
ours ADD last
expect_eq "ours allocates again after the reference's DELs" "$RC" 0

finish
