# Fuzzing with libFuzzer (clang; the runtime is in Debian's libclang-rt-14-dev).
#   make fuzz [FUZZ_SECONDS=60]  fuzz each harness for FUZZ_SECONDS on a fresh copy of its seeds
#   make fuzz-regress            run each harness once over the checked-in corpus (for make test)
# A crash, sanitizer report, leak, hang or failed check fails the target; every
# harness runs even when an earlier one failed. Needs BUILD, Q and msg from
# mk/rules.mk, included first.
ifeq ($(BUILD),)
$(error mk/fuzz.mk: include mk/rules.mk first)
endif

# Including this file must not change what a bare `make` builds.
fuzz_default_goal := $(.DEFAULT_GOAL)

FUZZ_SECONDS ?= 60
FUZZ_DIR := $(BUILD)/fuzz
# UBSan must abort on its first report, or libFuzzer does not count it as a crash.
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	       -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Werror \
	       -std=gnu11 -D_GNU_SOURCE -Iinclude -Ilib -Iagent
FUZZ_RUNFLAGS := -timeout=10

FUZZERS := policy ctl l7
FUZZ_BINS := $(FUZZERS:%=$(FUZZ_DIR)/fuzz_%)
fuzz_dict_policy := -dict=fuzz/policy.dict

# All of lib/, as egressd links it: the parser may call any of it.
fuzz_lib_srcs := $(wildcard lib/*.c)
fuzz_hdrs := $(wildcard include/*.h include/eg/*.h lib/*.h agent/policy.h)
$(FUZZ_DIR)/fuzz_policy: fuzz/fuzz_policy.c agent/policy.c $(fuzz_lib_srcs) $(fuzz_hdrs)
$(FUZZ_DIR)/fuzz_ctl: fuzz/fuzz_ctl.c lib/ctl.c $(fuzz_hdrs)
# The data plane's parsers, from the BPF headers themselves (eg/user.h). BPF
# reads packets at any alignment; x86 user space does too, so that check is off.
$(FUZZ_DIR)/fuzz_l7: FUZZ_CFLAGS += -fno-sanitize=alignment
$(FUZZ_DIR)/fuzz_l7: fuzz/fuzz_l7.c $(fuzz_hdrs)

$(FUZZ_BINS):
	@mkdir -p $(dir $@)
	$(call msg,FUZZCC,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^)

# $(1): harness, $(2): log file, $(3): libFuzzer arguments. A failure is noted
# in $(FUZZ_DIR)/failed with the log's tail shown, and the next harness runs.
define fuzz_exec
$(Q)if $(FUZZ_DIR)/fuzz_$(1) $(FUZZ_RUNFLAGS) $(3) >$(2) 2>&1; then \
	sed -n 's/^Done/           done/p' $(2); \
else \
	tail -n 30 $(2); echo "  $(1): see $(2)" >>$(FUZZ_DIR)/failed; \
fi
endef

define fuzz_run
$(call msg,FUZZ,$(1) for $(FUZZ_SECONDS)s)
$(Q)rm -rf $(FUZZ_DIR)/corpus/$(1) && mkdir -p $(FUZZ_DIR)/corpus/$(1) $(FUZZ_DIR)/crashes && \
	cp fuzz/corpus/$(1)/* $(FUZZ_DIR)/corpus/$(1)/
$(call fuzz_exec,$(1),$(FUZZ_DIR)/$(1).log,$(fuzz_dict_$(1)) -max_total_time=$(FUZZ_SECONDS) \
	-artifact_prefix=$(FUZZ_DIR)/crashes/$(1)- $(FUZZ_DIR)/corpus/$(1))
endef

# Files, not the directory: each input runs once and nothing is written back.
define fuzz_regress
$(call msg,FUZZREG,$(1))
$(call fuzz_exec,$(1),$(FUZZ_DIR)/$(1)-regress.log,fuzz/corpus/$(1)/*)
endef

define fuzz_verdict
$(Q)if [ -s $(FUZZ_DIR)/failed ]; then echo "$(1) failed:"; cat $(FUZZ_DIR)/failed; \
	[ "$(1)" = fuzz ] && echo "  crashing inputs in $(FUZZ_DIR)/crashes/"; exit 1; fi >&2
endef

.PHONY: fuzz fuzz-regress
fuzz: $(FUZZ_BINS)
	@rm -f $(FUZZ_DIR)/failed
	$(call fuzz_run,policy)
	$(call fuzz_run,ctl)
	$(call fuzz_run,l7)
	$(call fuzz_verdict,fuzz)

fuzz-regress: $(FUZZ_BINS)
	@rm -f $(FUZZ_DIR)/failed
	$(call fuzz_regress,policy)
	$(call fuzz_regress,ctl)
	$(call fuzz_regress,l7)
	$(call fuzz_verdict,fuzz-regress)

.DEFAULT_GOAL := $(fuzz_default_goal)
