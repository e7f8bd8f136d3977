# The live console (issue 19): web/ files served by spinal-agent at /, the
# console room (userspace/console*.c), its browser and fleet tests.
#
#   make check-console-unit     payload documents (cmocka, in check-unit too)
#   make check-console-browser  headless Chromium against a live core + agent
#   make check-console-fleet    two robots, Prometheus + a federating Prometheus
#   make bench-console          agent CPU and RT wake p99, 0 vs 10 open consoles

WEB_DIR_INSTALL := $(PREFIX)/share/spinal/web
WEB_FILES := $(wildcard web/*)

# the agent's default --web-dir is where make install puts web/
$(O)/obj/userspace/agent.o: EXTRA_CFLAGS += -DAGENT_DEFAULT_WEB_DIR='"$(WEB_DIR_INSTALL)"'
# the console draws the core's own next-hop path: rtcore/graph.c's builder
$(O)/bin/spinal-agent: $(LIBRT)
AGENT_LIBS += $(LIBRT) $(LIBSPINAL)

CONSOLE_IT_BINS := $(O)/bin/spinal-core $(O)/bin/spinal-agent $(O)/bin/spinal-inspect

.PHONY: check-console-browser check-console-fleet check-console-api bench-console install-web
# GET/POST/stream against a live agent: documents, caps, slow client, replay
check-console-api: $(CONSOLE_IT_BINS)
	tests/console/console_api.sh $(O)/bin
CHECKS += check-console-api
SAN_CHECKS += check-console-api
# selenium (tools/pyenv console) drives /usr/bin/chromium; screenshots in $(O)/console-shots
check-console-browser: $(CONSOLE_IT_BINS)
	tests/console/browser.sh $(O)/bin $(O)/console-shots
CHECKS += check-console-browser
# promtool on every rule file, two robots, Prometheus + federation, dashboard PromQL
check-console-fleet: $(CONSOLE_IT_BINS)
	tests/console/fleet.sh $(O)/bin
CHECKS += check-console-fleet
bench-console: $(CONSOLE_IT_BINS)
	tests/console/bench.sh $(O)/bin $${BENCH_PAIRS:-10} $${BENCH_ROUND_S:-3}
BENCHES += bench-console

install: install-web
install-web:
	install -d $(DESTDIR)$(WEB_DIR_INSTALL)
	install -m 0644 $(WEB_FILES) $(DESTDIR)$(WEB_DIR_INSTALL)/
