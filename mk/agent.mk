# spinal-agent: extra libraries, test helpers, checks (see userspace/, tests/).
AGENT_PKGS := libmicrohttpd inih json-c
AGENT_LIBS += $(shell pkg-config --libs $(AGENT_PKGS) 2>/dev/null || echo -lmicrohttpd -linih -ljson-c)
AGENT_CFLAGS := $(shell pkg-config --cflags $(AGENT_PKGS) 2>/dev/null || echo -I/usr/include/json-c)

# agent sources (and their unit tests) see the library headers
$(O)/obj/userspace/%.o: EXTRA_CFLAGS += $(AGENT_CFLAGS)
$(O)/obj/tests/unit/test_agent_%.o: EXTRA_CFLAGS += $(AGENT_CFLAGS)
