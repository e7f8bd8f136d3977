# Late-tick attribution (rtcore/trace*.c, lib/incident.c, docs/incident.md):
# the no-tracefs paths always, a private tracefs mount when root and the
# kernel has tracefs.  The PREEMPT_RT provoked-cause windows run in check-vm.
CHECKS += check-trace
SAN_CHECKS += check-trace
.PHONY: check-trace
check-trace: $(BINS)
	tests/integration/trace_incidents.sh $(O)/bin

# the privileged half: ExecStartPre=+spinal-trace-helper setup NAME CPU
TRACE_HELPER := $(O)/bin/spinal-trace-helper
$(TRACE_HELPER): $(call obj,tools/spinal-trace-helper.c) $(LIBRT) $(LIBSPINAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(LDLIBS_BASE) -o $@
BINS += $(TRACE_HELPER)
INSTALL_BINS += spinal-trace-helper
