#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# tc_attach against the running kernel, inside a throwaway network
# namespace: the host's own interfaces are never touched. Needs root.
#
# usage: test_tc_attach.sh [DRIVER]
#   DRIVER defaults to $TC_ATTACH_DRV, else build/tests/tc_attach_drv of
#   this tree, else tc_attach_drv beside this script.
#   EG_TEST_KEEP=1     keep the namespace (and its devices) for inspection
#   EG_TEST_VERBOSE=1  show the library log of passing tests too
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
DRV=${1:-${TC_ATTACH_DRV:-}}
if [ -z "$DRV" ]; then
	DRV=$HERE/../../build/tests/tc_attach_drv
	[ -x "$DRV" ] || DRV=$HERE/tc_attach_drv
fi
NS=eg-tcat-$$
DEV=eg0
PEER=eg1
PRIO=58880 # EG_TC_PRIO_DEFAULT
HANDLE=0xe6
NAME=eg_egress
# Classic BPF "accept": a foreign cls_bpf filter with no program id.
CBPF='1,6 0 0 4294967295,'

PASSED=0
FAILED=0

cleanup() {
	if [ "${EG_TEST_KEEP:-0}" = 1 ] && [ -e "/run/netns/$NS" ]; then
		echo "keeping netns $NS; remove it with: ip netns del $NS"
		return
	fi
	ip netns del "$NS" 2>/dev/null
}
trap cleanup EXIT
# Turn signals into a normal exit so the EXIT trap runs once.
trap 'exit 130' INT TERM HUP

in_ns() { nsenter --net="/run/netns/$NS" "$@"; }
drv() { in_ns "$DRV" "$@"; }
tcf() { in_ns tc filter show dev "$DEV" "$@"; }
tcq() { in_ns tc qdisc show dev "$DEV"; }

fail() {
	echo "    $*"
	return 1
}

# field OUTPUT KEY: the value of KEY=value in a driver's OK line.
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }

expect_ok() {
	case "$1" in
	OK*) return 0 ;;
	*) fail "expected OK, got: $1" ;;
	esac
}

expect_err() {
	case "$1" in
	"ERR err=$2 "*) return 0 ;;
	*) fail "expected ERR err=$2, got: $1" ;;
	esac
}

expect_field() {
	local got
	got=$(field "$1" "$2")
	[ "$got" = "$3" ] || fail "expected $2=$3, got: $1"
}

# expect_match TEXT REGEX WHAT / expect_no_match TEXT REGEX WHAT
expect_match() {
	grep -Eq -- "$2" <<<"$1" || fail "$3: no match for '$2' in:" "$1"
}
expect_no_match() {
	! grep -Eq -- "$2" <<<"$1" || fail "$3: unexpected '$2' in:" "$1"
}

prog_id() { tcf egress | sed -n "s/.* pref $1 bpf .* id \([0-9]*\) .*/\1/p"; }

# A fresh veth pair per test: deleting it takes its qdiscs and filters.
fresh_dev() {
	in_ns ip link del "$DEV" 2>/dev/null
	in_ns ip link add "$DEV" type veth peer name "$PEER" &&
		in_ns ip link set "$DEV" up &&
		in_ns ip link set "$PEER" up
}

t_attach_fresh() {
	local out
	fresh_dev || return 1
	out=$(drv attach "$DEV" "$NAME")
	expect_ok "$out" || return 1
	expect_field "$out" created 1 || return 1
	expect_field "$out" adopted 0 || return 1
	expect_field "$out" prio $PRIO || return 1
	expect_match "$(tcq)" "^qdisc clsact ffff: parent ffff:fff1" "qdisc" ||
		return 1
	expect_match "$(tcf egress)" \
		"pref $PRIO bpf chain 0 handle $HANDLE $NAME direct-action" \
		"filter" || return 1
	expect_no_match "$(tcf ingress)" . "ingress must stay empty" ||
		return 1
	out=$(drv query "$DEV" $PRIO $HANDLE "$NAME")
	expect_field "$out" present 1 || return 1
	out=$(drv query "$DEV" $PRIO $HANDLE other_name)
	expect_field "$out" present 0
}

t_replace() {
	local out id1 id2
	fresh_dev || return 1
	expect_ok "$(drv attach "$DEV" "$NAME")" || return 1
	id1=$(prog_id $PRIO)
	[ -n "$id1" ] || fail "no prog id in:" "$(tcf egress)" || return 1
	out=$(drv replace "$DEV" $PRIO $HANDLE "$NAME")
	expect_ok "$out" || return 1
	id2=$(prog_id $PRIO)
	[ -n "$id2" ] && [ "$id1" != "$id2" ] ||
		fail "prog id $id1 -> '$id2', expected a change" || return 1
	[ "$(tcf egress | grep -c "handle $HANDLE")" = 1 ] ||
		fail "expected exactly one filter:" "$(tcf egress)"
}

t_adopt() {
	local out id1
	fresh_dev || return 1
	expect_ok "$(drv attach "$DEV" "$NAME")" || return 1
	id1=$(prog_id $PRIO)
	out=$(drv attach "$DEV" "$NAME")
	expect_ok "$out" || return 1
	expect_field "$out" adopted 1 || return 1
	expect_field "$out" created 0 || return 1
	expect_field "$out" prio $PRIO || return 1
	[ "$(tcf egress | grep -c "handle $HANDLE")" = 1 ] ||
		fail "expected exactly one filter:" "$(tcf egress)" || return 1
	[ "$(prog_id $PRIO)" != "$id1" ] || fail "program not replaced"
}

t_detach_created() {
	local out
	fresh_dev || return 1
	expect_ok "$(drv attach "$DEV" "$NAME")" || return 1
	out=$(drv detach "$DEV" $PRIO $HANDLE 1)
	expect_ok "$out" || return 1
	expect_no_match "$(tcq)" clsact "qdisc we created must go" || return 1
	expect_no_match "$(tcf egress)" . "egress must be empty" || return 1
	# Gone already: -ENOENT, which the caller treats as done.
	expect_err "$(drv detach "$DEV" $PRIO $HANDLE 1)" -2
}

t_foreign_clsact() {
	local out before after
	fresh_dev || return 1
	in_ns tc qdisc add dev "$DEV" clsact || return 1
	# Foreign filters at our priority (even with our handle and kind)
	# and at the next one, with another protocol.
	in_ns tc filter add dev "$DEV" egress pref $PRIO handle $HANDLE \
		protocol all bpf bytecode "$CBPF" || return 1
	in_ns tc filter add dev "$DEV" egress pref $((PRIO - 1)) protocol ip \
		u32 match u32 0 0 classid 1:1 || return 1
	before=$(tcf egress)

	out=$(drv attach "$DEV" "$NAME")
	expect_ok "$out" || return 1
	expect_field "$out" created 0 || return 1
	expect_field "$out" prio $((PRIO - 2)) || return 1
	expect_match "$out" "clsact on ifindex [0-9]+ exists and is not ours" \
		"note" || return 1
	expect_match "$(tcf egress)" "pref $((PRIO - 2)) bpf .* $NAME " \
		"our filter" || return 1
	out=$(drv query "$DEV" $PRIO $HANDLE -)
	expect_field "$out" present 0 || return 1

	out=$(drv detach "$DEV" $((PRIO - 2)) $HANDLE 0)
	expect_ok "$out" || return 1
	after=$(tcf egress)
	[ "$before" = "$after" ] ||
		fail "foreign filters changed:" "$before" "---" "$after" ||
		return 1
	expect_match "$(tcq)" "qdisc clsact ffff:" "foreign clsact must stay"
}

# An empty clsact that was there before us outlives our detach.
t_foreign_empty_clsact() {
	local out
	fresh_dev || return 1
	in_ns tc qdisc add dev "$DEV" clsact || return 1
	out=$(drv attach "$DEV" "$NAME")
	expect_ok "$out" || return 1
	expect_field "$out" created 0 || return 1
	expect_field "$out" prio $PRIO || return 1
	expect_ok "$(drv detach "$DEV" $PRIO $HANDLE 0)" || return 1
	expect_match "$(tcq)" "qdisc clsact ffff:" "foreign clsact must stay" ||
		return 1
	expect_no_match "$(tcf egress)" . "egress must be empty"
}

# Our slot now holds someone else's filter: detach must not touch it.
t_detach_foreign_slot() {
	local before
	fresh_dev || return 1
	in_ns tc qdisc add dev "$DEV" clsact || return 1
	in_ns tc filter add dev "$DEV" egress pref $PRIO handle $HANDLE \
		protocol all bpf bytecode "$CBPF" || return 1
	before=$(tcf egress)
	expect_err "$(drv detach "$DEV" $PRIO $HANDLE 1)" -2 || return 1
	[ "$before" = "$(tcf egress)" ] || fail "foreign filter changed" ||
		return 1
	expect_match "$(tcq)" "qdisc clsact ffff:" "clsact must stay"
}

# We created clsact, then someone else started using it: it stays.
t_detach_shared_qdisc() {
	local out
	fresh_dev || return 1
	expect_ok "$(drv attach "$DEV" "$NAME")" || return 1
	in_ns tc filter add dev "$DEV" ingress pref 1 protocol all \
		bpf bytecode "$CBPF" || return 1
	out=$(drv detach "$DEV" $PRIO $HANDLE 1)
	expect_ok "$out" || return 1
	expect_match "$out" "left in place" "note" || return 1
	expect_match "$(tcq)" "qdisc clsact ffff:" "clsact must stay" ||
		return 1
	expect_match "$(tcf ingress)" "pref 1 bpf" "ingress filter" ||
		return 1
	expect_no_match "$(tcf egress)" . "egress must be empty"
}

t_ingress_qdisc() {
	local out
	fresh_dev || return 1
	in_ns tc qdisc add dev "$DEV" ingress || return 1
	out=$(drv attach "$DEV" "$NAME")
	expect_err "$out" -17 || return 1
	expect_match "$out" '"ingress" qdisc' "message" || return 1
	expect_match "$(tcq)" "qdisc ingress ffff:" "ingress must stay" ||
		return 1
	expect_no_match "$(tcf ingress)" . "no filter on the ingress hook"
}

t_prio_exhausted() {
	local p before out
	fresh_dev || return 1
	in_ns tc qdisc add dev "$DEV" clsact || return 1
	for p in $(seq $((PRIO - 15)) $PRIO); do
		in_ns tc filter add dev "$DEV" egress pref "$p" protocol all \
			bpf bytecode "$CBPF" || return 1
	done
	before=$(tcf egress)
	out=$(drv attach "$DEV" "$NAME")
	expect_err "$out" -16 || return 1
	expect_match "$out" "all held by other filters" "message" || return 1
	[ "$before" = "$(tcf egress)" ] || fail "foreign filters changed"
}

# The filter add fails after we made clsact: the qdisc goes again.
t_rollback() {
	local out
	fresh_dev || return 1
	out=$(drv attach-badprog "$DEV" "$NAME")
	expect_err "$out" -22 || return 1
	expect_match "$out" "ifindex [0-9]+ at priority $PRIO" "message" ||
		return 1
	expect_no_match "$(tcq)" clsact "rolled back"
}

t_bad_ifindex() {
	local out
	out=$(drv attach 99999 "$NAME")
	expect_err "$out" -19 || return 1
	expect_match "$out" "ifindex 99999: No such device" "message" ||
		return 1
	expect_err "$(drv detach 99999 $PRIO $HANDLE 1)" -2 || return 1
	expect_err "$(drv query 99999 $PRIO $HANDLE -)" -19
}

# Refusals the kernel explains must reach the caller word for word.
t_kernel_extack() {
	local out
	fresh_dev || return 1
	out=$(drv raw-add "$DEV" 5)
	expect_err "$out" -22 || return 1
	expect_match "$out" "msg=Parent Qdisc doesn't exists?$" "extack" ||
		return 1
	in_ns tc qdisc add dev "$DEV" clsact || return 1
	in_ns tc filter add dev "$DEV" egress pref 5 protocol all \
		u32 match u32 0 0 classid 1:1 || return 1
	out=$(drv raw-add "$DEV" 5)
	expect_err "$out" -22 || return 1
	expect_match "$out" \
		"msg=Specified filter kind does not match existing one$" \
		"extack"
}

run() {
	local name=$1 out rc
	out=$("$name" 2>&1)
	rc=$?
	if [ $rc = 0 ]; then
		echo "PASS ${name#t_}"
		PASSED=$((PASSED + 1))
	else
		echo "FAIL ${name#t_}"
		FAILED=$((FAILED + 1))
	fi
	if [ -n "$out" ] && { [ $rc != 0 ] || [ "${EG_TEST_VERBOSE:-0}" = 1 ]; }; then
		echo "$out"
	fi
}

if [ "$(id -u)" != 0 ]; then
	echo "test_tc_attach.sh: needs root (netns, tc, bpf)" >&2
	exit 1
fi
if [ ! -x "$DRV" ]; then
	echo "test_tc_attach.sh: no driver at $DRV; build it with:" >&2
	echo "  gcc -Wall -Werror -O2 -g -Iinclude -Iagent agent/tests/tc_attach_drv.c agent/tc_attach.c agent/netlink.c -o $DRV -lmnl -lbpf" >&2
	exit 1
fi
ip netns add "$NS" || exit 1
in_ns ip link set lo up

for t in t_attach_fresh t_replace t_adopt t_detach_created \
	t_foreign_clsact t_foreign_empty_clsact t_detach_foreign_slot t_detach_shared_qdisc \
	t_ingress_qdisc t_prio_exhausted t_rollback t_bad_ifindex \
	t_kernel_extack; do
	run "$t"
done

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
