#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Unit tests of the TC classifier: every tc/tests/gen_fixtures*.py writes its
# scapy fixtures, the files are joined, and tc_unit feeds them all through
# BPF_PROG_TEST_RUN in one run. Needs root (or CAP_BPF + CAP_NET_ADMIN).
# Any runner of the fixture format will do: run_user.sh hands it tc_user.
# Usage: run_unit.sh path/to/RUNNER      exit status: the runner's
set -u

here=$(cd "$(dirname "$0")" && pwd)
bin=${1:?usage: $0 path/to/tc_unit (or another runner of the fixtures)}
# scapy is installed for the system interpreter, not for any python3 on PATH.
python=${EG_PYTHON:-/usr/bin/python3}

if [ ! -x "$bin" ]; then
	echo "run_unit.sh: $bin is not an executable" >&2
	exit 2
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/eg-tc-unit.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

gens=("$here"/gen_fixtures*.py)
if [ ! -e "${gens[0]}" ]; then
	echo "run_unit.sh: no gen_fixtures*.py in $here" >&2
	exit 2
fi
for gen in "${gens[@]}"; do
	out="$tmp/$(basename "$gen" .py).fixtures"
	if ! "$python" "$gen" "$out"; then
		echo "run_unit.sh: $(basename "$gen") failed with $python (is python3-scapy installed?)" >&2
		exit 2
	fi
	cat "$out" >>"$tmp/all.fixtures" || exit 2
done
"$bin" "$tmp/all.fixtures"
