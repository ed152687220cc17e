#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Unit tests of the TC classifier: generate the scapy fixtures, then feed them
# through BPF_PROG_TEST_RUN. Needs root (or CAP_BPF + CAP_NET_ADMIN).
# Usage: run_unit.sh path/to/tc_unit      exit status: tc_unit's
set -u

here=$(cd "$(dirname "$0")" && pwd)
bin=${1:?usage: $0 path/to/tc_unit}
# scapy is installed for the system interpreter, not for any python3 on PATH.
python=${EG_PYTHON:-/usr/bin/python3}

if [ ! -x "$bin" ]; then
	echo "run_unit.sh: $bin is not an executable" >&2
	exit 2
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/eg-tc-unit.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

if ! "$python" "$here/gen_fixtures.py" "$tmp/tc_unit.fixtures"; then
	echo "run_unit.sh: generating fixtures with $python failed (is python3-scapy installed?)" >&2
	exit 2
fi
"$bin" "$tmp/tc_unit.fixtures"
