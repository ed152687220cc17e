# Benchmarks: `make bench` reports, `make test` asserts.
#   make bench [BENCH_QUICK=1] [BENCH_KEEP=1]
#       installs what is missing (apt), builds, runs bench/run.sh, rewrites
#       docs/benchmarks.md and docs/bench/*.png; BENCH_KEEP=1 keeps the raw results
# BENCH_QUICK=1 runs smaller sets and shorter runs (a check of the machinery;
# its figures do not go into docs/). Needs BUILD, Q, msg, CFLAGS, BPFTOOL and
# the egress skeleton rule from mk/rules.mk and the Makefile, included first.
ifeq ($(BUILD),)
$(error mk/bench.mk: include mk/rules.mk first)
endif

# Including this file must not change what a bare `make` builds.
bench_default_goal := $(.DEFAULT_GOAL)

BENCH_DIR := $(BUILD)/bench
EGBENCH := $(BENCH_DIR)/egbench
EGBENCH_SRCS := bench/egbench.c bench/pktcost.c bench/probe.c bench/ruleset.c bench/dir248.c \
		bench/util.c
EGBENCH_OBJS := $(EGBENCH_SRCS:%.c=$(BUILD)/%.o)
BENCH_QUICK ?= 0
BENCH_KEEP ?= 0

$(BUILD)/lookup.skel.h: $(BUILD)/bench/lookup.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name lookup > $@

$(BUILD)/bench/pktcost.o: $(BUILD)/egress.skel.h $(BUILD)/lookup.skel.h

$(EGBENCH): $(EGBENCH_OBJS) $(BUILD)/lib/log.o $(BUILD)/lib/hint.o
	@mkdir -p $(dir $@)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_BPF)

.PHONY: bench bench-deps bench-build
bench-deps:
	$(Q)scripts/deps.sh
	$(Q)scripts/deps-bench.sh

bench-build: $(EGBENCH)

bench: bench-deps all $(EGBENCH)
	$(Q)BENCH_QUICK=$(BENCH_QUICK) BENCH_KEEP=$(BENCH_KEEP) bench/run.sh

.DEFAULT_GOAL := $(bench_default_goal)
