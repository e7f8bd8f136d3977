# spinal-agent: extra libraries, test helpers, checks (see userspace/, tests/).
AGENT_PKGS := libmicrohttpd inih json-c
AGENT_LIBS += $(shell pkg-config --libs $(AGENT_PKGS) 2>/dev/null || echo -lmicrohttpd -linih -ljson-c)
AGENT_CFLAGS := $(shell pkg-config --cflags $(AGENT_PKGS) 2>/dev/null || echo -I/usr/include/json-c)

# agent sources (and their unit tests) see the library headers
$(O)/obj/userspace/%.o: EXTRA_CFLAGS += $(AGENT_CFLAGS)
$(O)/obj/tests/unit/test_agent_%.o: EXTRA_CFLAGS += $(AGENT_CFLAGS)

AGENT_IT_BINS := $(O)/bin/spinal-core $(O)/bin/spinal-agent $(O)/bin/spinal-inspect

.PHONY: check-skeleton check-agent-durability check-agent-api check-agent-prometheus check-agent-watchdog check-agent-core-cfg bench-agent
# issue 2: core + agent counts agree; agent SIGKILL; restarted agent reports its gap
check-skeleton: $(AGENT_IT_BINS)
	tests/integration/skeleton.sh $(O)/bin
CHECKS += check-skeleton
SAN_CHECKS += check-skeleton
# issue 6: SIGTERM/SIGKILL at random moments, every record accounted
check-agent-durability: $(AGENT_IT_BINS)
	tests/integration/agent_durability.sh $(O)/bin $${DURABILITY_RUNS:-100} $${DURABILITY_KILLS:-10}
# API good/bad requests, ctl, promtool check metrics, config reload
check-agent-api: $(AGENT_IT_BINS)
	tests/integration/agent_api.sh $(O)/bin
# real Prometheus scrapes the agent; alert rules pass promtool
check-agent-prometheus: $(AGENT_IT_BINS)
	tests/integration/agent_prometheus.sh $(O)/bin
# SIGSTOP/SIGCONT/SIGKILL of the core
check-agent-watchdog: $(AGENT_IT_BINS)
	tests/integration/agent_watchdog.sh $(O)/bin
# config link against a real core: --graph/--model, bad graph, e-stop, goals,
# ctl graph/model, tunables reload, agent and core restarts
check-agent-core-cfg: $(AGENT_IT_BINS)
	tests/integration/agent_core_cfg.sh $(O)/bin
CHECKS += check-agent-durability check-agent-api check-agent-prometheus check-agent-watchdog
CHECKS += check-agent-core-cfg
SAN_CHECKS += check-agent-core-cfg
SAN_CHECKS += check-agent-api check-agent-watchdog
# issue 6 benchmark (printed): BENCH_SECONDS=60 by default
bench-agent: $(AGENT_IT_BINS)
	tests/integration/agent_bench.sh $(O)/bin $${BENCH_SECONDS:-60}
BENCHES += bench-agent
