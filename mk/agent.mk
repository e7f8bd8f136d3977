# spinal-agent: extra libraries, test helpers, checks (see userspace/, tests/).
AGENT_PKGS := libmicrohttpd inih json-c
AGENT_LIBS += $(shell pkg-config --libs $(AGENT_PKGS) 2>/dev/null || echo -lmicrohttpd -linih -ljson-c)
AGENT_CFLAGS := $(shell pkg-config --cflags $(AGENT_PKGS) 2>/dev/null || echo -I/usr/include/json-c)

# agent sources (and their unit tests) see the library headers
$(O)/obj/userspace/%.o: EXTRA_CFLAGS += $(AGENT_CFLAGS)
$(O)/obj/tests/unit/test_agent_%.o: EXTRA_CFLAGS += $(AGENT_CFLAGS)

AGENT_IT_BINS := $(O)/bin/spinal-core $(O)/bin/spinal-agent $(O)/bin/spinal-inspect

.PHONY: check-skeleton check-agent-durability check-agent-api check-agent-prometheus check-agent-watchdog bench-agent
# issue 2: core + agent counts agree; agent SIGKILL; restarted agent reports its gap
check-skeleton: $(AGENT_IT_BINS)
	tests/integration/skeleton.sh $(O)/bin
CHECKS += check-skeleton
SAN_CHECKS += check-skeleton
