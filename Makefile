# egressgate: top-level build. `make`, `make test`, `make demo`, `make install`, `make clean`.
include mk/rules.mk
include mk/fuzz.mk
include mk/bench.mk

PREFIX ?= /usr/local
DESTDIR ?=
SBINDIR := $(PREFIX)/sbin
MANDIR := $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system

BPF_OBJS := $(BUILD)/tc/egress.bpf.o $(BUILD)/tc/attrib.bpf.o $(BUILD)/tc/ingress.bpf.o \
	    $(BUILD)/xdp/guard.bpf.o
SKELS := $(BUILD)/egress.skel.h $(BUILD)/attrib.skel.h $(BUILD)/ingress.skel.h $(BUILD)/guard.skel.h

LIB_SRCS := lib/log.c lib/ctl.c lib/addr.c lib/name.c lib/hint.c
AGENT_SRCS := agent/main.c agent/loader.c agent/policy.c agent/rules.c agent/attach.c \
	      agent/netns.c agent/netlink.c agent/tc_attach.c agent/events.c agent/control.c \
	      agent/state.c agent/format.c agent/reconcile.c agent/names.c agent/learned.c agent/peer.c \
	      agent/metrics.c
CTL_SRCS := tools/egressctl.c tools/run.c tools/run_summary.c

LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
AGENT_OBJS := $(AGENT_SRCS:%.c=$(BUILD)/%.o)
CTL_OBJS := $(CTL_SRCS:%.c=$(BUILD)/%.o)

BINS := $(BUILD)/egressd $(BUILD)/egressctl
UNIT_BINS := $(BUILD)/tests/tc_unit $(BUILD)/tests/test_policy $(BUILD)/tests/test_netlink \
	     $(BUILD)/tests/test_ctl $(BUILD)/tests/tc_attach_drv $(BUILD)/tests/tc_user

.PHONY: all test unit netns-test demo install clean deps
all: $(BINS) $(UNIT_BINS)

$(BUILD)/egress.skel.h: $(BUILD)/tc/egress.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name egress > $@

$(BUILD)/ingress.skel.h: $(BUILD)/tc/ingress.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name ingress > $@

$(BUILD)/attrib.skel.h: $(BUILD)/tc/attrib.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name attrib > $@

# The XDP build of the classifier (its object comes from the %.bpf.o rule);
# tc_unit runs every case through it as well.
$(BUILD)/xdp/guard.bpf.o: xdp/guard.bpf.c

$(BUILD)/guard.skel.h: $(BUILD)/xdp/guard.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name guard > $@

$(BUILD)/tc/tests/tc_unit.o: $(BUILD)/guard.skel.h

$(AGENT_OBJS) $(BUILD)/tc/tests/tc_unit.o: $(SKELS)

$(BUILD)/egressd: $(AGENT_OBJS) $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_BPF) -lmnl -lpthread

$(BUILD)/egressctl: $(CTL_OBJS) $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^

$(BUILD)/tests/tc_unit: $(BUILD)/tc/tests/tc_unit.o $(BUILD)/tc/tests/fixture.o $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_BPF)

# The differential runner: eg_guard() compiled for user space from the same
# headers (eg/user.h). clang, as for fuzz_l7: gcc warns on the BPF-only
# `#pragma unroll` of the parsers.
$(BUILD)/tests/tc_user: tc/tests/tc_user.c tc/tests/fixture.c tc/tests/fixture.h $(LIB_OBJS) \
		       include/egressgate.h $(wildcard include/eg/*.h)
	@mkdir -p $(dir $@)
	$(call msg,CLANG,$@)
	$(Q)$(CLANG) $(CFLAGS) -o $@ $(filter %.c %.o,$^)

$(BUILD)/tests/test_policy: $(BUILD)/agent/tests/test_policy.o $(BUILD)/agent/policy.o $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^

$(BUILD)/tests/test_ctl: $(BUILD)/lib/tests/test_ctl.o $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^

$(BUILD)/tests/test_netlink: $(BUILD)/agent/tests/test_netlink.o $(BUILD)/agent/netlink.o
	@mkdir -p $(dir $@)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -lmnl

$(BUILD)/tests/tc_attach_drv: $(BUILD)/agent/tests/tc_attach_drv.o $(BUILD)/agent/tc_attach.o $(BUILD)/agent/netlink.o
	@mkdir -p $(dir $@)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -lmnl -lbpf

# Installs what is missing (Debian packages only), then builds.
deps:
	$(Q)scripts/deps.sh

test: deps all
	$(Q)netns-tests/run.sh

demo: deps all
	$(Q)scripts/demo.sh

install: $(BINS)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/egressgate $(DESTDIR)$(SYSCONFDIR)/logrotate.d
	install -m 0755 $(BINS) $(DESTDIR)$(SBINDIR)/
	install -m 0644 docs/man/egressd.8 docs/man/egressctl.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 docs/man/egressgate.policy.5 $(DESTDIR)$(MANDIR)/man5/
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' dist/egressd.service.in \
		>$(DESTDIR)$(UNITDIR)/egressd.service
	install -m 0644 dist/policy.example $(DESTDIR)$(SYSCONFDIR)/egressgate/policy.example
	install -m 0644 dist/logrotate.egressgate $(DESTDIR)$(SYSCONFDIR)/logrotate.d/egressgate

clean:
	$(call msg,CLEAN,$(BUILD))
	$(Q)rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
