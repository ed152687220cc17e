#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The differential test: the fixtures of run_unit.sh, generated the same way,
# through tc_user, the user-space build of the classifier (see tc_user.c).
# Needs neither root nor BPF. Usage: run_user.sh path/to/tc_user
exec "$(dirname "$0")/run_unit.sh" "${1:?usage: $0 path/to/tc_user}"
