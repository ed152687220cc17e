#!/bin/bash
# egressgate test runner: unit tests, BPF unit tests, then namespace tests.
# Each test reports PASS / FAIL / SKIP; the run ends with "N passed, N failed".
#   run.sh [-k|--keep] [-v|--verbose] [PATTERN]
#   -k keeps a failing test's namespaces and files for inspection.
set -u
cd "$(dirname "$0")/.."
EG_ROOT=$(pwd)
export EG_ROOT

KEEP=0
VERBOSE=0
PATTERN=
while [ $# -gt 0 ]; do
	case $1 in
	-k | --keep) KEEP=1 ;;
	-v | --verbose) VERBOSE=1 ;;
	-h | --help)
		sed -n '2,5p' "$0"
		exit 0
		;;
	*) PATTERN=$1 ;;
	esac
	shift
done

if [ "$(id -u)" != 0 ]; then
	echo "run.sh: the tests load BPF programs and create namespaces: run as root" >&2
	exit 2
fi
if ! mountpoint -q /sys/fs/bpf; then
	mount -t bpf bpf /sys/fs/bpf || exit 2
fi

PASSED=0
FAILED=0
SKIPPED=0
FAILED_NAMES=()
LOGDIR=$(mktemp -d /tmp/egt-logs.XXXXXX)

report() { # name status logfile
	case $2 in
	0)
		echo "PASS $1"
		PASSED=$((PASSED + 1))
		;;
	77)
		echo "SKIP $1: $(tail -1 "$3")"
		SKIPPED=$((SKIPPED + 1))
		;;
	*)
		echo "FAIL $1"
		sed 's/^/    | /' "$3" | tail -40
		FAILED=$((FAILED + 1))
		FAILED_NAMES+=("$1")
		;;
	esac
	[ $VERBOSE = 1 ] && [ "$2" = 0 ] && sed 's/^/    | /' "$3"
}

want() { [ -z "$PATTERN" ] || [[ $1 == *$PATTERN* ]]; }

# Unit tests: each binary or script is one test.
UNITS=(
	"unit/policy:build/tests/test_policy"
	"unit/ctl:build/tests/test_ctl"
	"unit/netlink:build/tests/test_netlink"
	"unit/egressctl:tools/tests/test_egressctl.sh build/egressctl"
	"bpf/tc_unit:tc/tests/run_unit.sh build/tests/tc_unit"
	"bpf/differential:tc/tests/run_user.sh build/tests/tc_user"
	"attach/tc_attach:agent/tests/test_tc_attach.sh build/tests/tc_attach_drv"
	"fuzz/regress:make -s fuzz-regress"
)
for u in "${UNITS[@]}"; do
	name=${u%%:*}
	cmd=${u#*:}
	want "$name" || continue
	log=$LOGDIR/${name//\//_}.log
	# shellcheck disable=SC2086
	timeout 300 $cmd >"$log" 2>&1
	report "$name" $? "$log"
done

# Namespace tests: functions test_* in netns-tests/t_*.sh.
source netns-tests/lib.sh
for f in netns-tests/t_*.sh; do
	source "$f"
done
n=0
for t in $(declare -F | awk '{print $3}' | grep '^test_' | sort); do
	name=netns/${t#test_}
	want "$name" || continue
	n=$((n + 1))
	log=$LOGDIR/${t}.log
	(
		T_ID=$$-$n
		NS_DEP=egt-dep-$T_ID
		NS_UP=egt-up-$T_ID
		if [ $KEEP = 1 ]; then
			trap 'rc=$?; [ $rc = 0 ] || [ $rc = 77 ] && topo_down; [ $rc = 0 ] || [ $rc = 77 ] || echo "kept: $NS_DEP $NS_UP $T_DIR"' EXIT
		else
			trap 'topo_down' EXIT
		fi
		topo_up || exit 1
		set -o pipefail
		"$t" || exit 1
	) >"$log" 2>&1
	report "$name" $? "$log"
done

# Nothing a test created may survive it.
left=$(ip netns list 2>/dev/null | grep -c "^egt-[a-z]*-$$-\|^egr-" || true)
if [ "$left" != 0 ]; then
	echo "FAIL cleanup: $left test namespaces left behind"
	FAILED=$((FAILED + 1))
fi
rm -rf "$LOGDIR"
[ $SKIPPED -gt 0 ] && echo "$SKIPPED skipped"
echo "$PASSED passed, $FAILED failed"
[ $FAILED = 0 ]
