# spinal — top-level userspace build.
#
#   make            build everything into build/ (binaries in build/bin/)
#   make test       install missing packages, build, run the whole suite
#                   (unit, validators, integration, then an ASan+UBSan pass and
#                   the ThreadSanitizer checks)
#   make demo       install missing packages, build, run core + agent in the sim
#   make SAN=asan   sanitizer build into build/asan/ (also SAN=tsan)
#   make install    PREFIX=/usr/local DESTDIR=
#
# Sources are discovered: lib/*.c -> libspinal.a (shared by every program),
# rtcore/*.c -> libspinal-rt.a (except rtcore/main.c), userspace/*.c ->
# libspinal-agent.a (except userspace/main.c), tests/unit/test_*.c -> one cmocka
# binary each.  Components add binaries and checks in mk/*.mk fragments.

SHELL := /bin/bash
.DEFAULT_GOAL := all

PREFIX  ?= /usr/local
DESTDIR ?=
SAN     ?=
CC      ?= gcc

ifeq ($(SAN),)
O ?= build
else
O ?= build/$(SAN)
endif

ifeq ($(SAN),asan)
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif
ifeq ($(SAN),tsan)
SAN_FLAGS := -fsanitize=thread -fno-omit-frame-pointer
endif

PKGS      := liburcu-qsbr numa libcap
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lurcu-qsbr -lurcu-common -lnuma -lcap)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wmissing-prototypes \
	-Wstrict-prototypes -Wvla -Wpointer-arith -Wundef
CFLAGS ?= -O2 -g
# -ffp-contract=off: no fused multiply-add unless the source asks, so the
# pipeline computes the same bits on x86-64 and aarch64 (GCC fuses by default
# on aarch64; a log recorded on an ARM robot then diverged on replay at tick 3)
ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE -pthread -Iinclude -I. $(PKG_CFLAGS) \
	$(WARN) -ffp-contract=off $(SAN_FLAGS) $(CFLAGS) $(EXTRA_CFLAGS) -MMD -MP
ALL_LDFLAGS = -pthread $(SAN_FLAGS) $(LDFLAGS)
LDLIBS_BASE = $(PKG_LIBS) -lm -lrt

LIB_SRCS   := $(wildcard lib/*.c)
RT_SRCS    := $(filter-out rtcore/main.c,$(wildcard rtcore/*.c))
AGENT_SRCS := $(filter-out userspace/main.c,$(wildcard userspace/*.c))
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)

LIBSPINAL  := $(O)/lib/libspinal.a
LIBRT      := $(O)/lib/libspinal-rt.a
LIBAGENT   := $(O)/lib/libspinal-agent.a

# Extra link flags for programs that use the agent library (fragments append).
AGENT_LIBS :=
# Binaries, checks run by `make check` (normal build) and by the sanitizer pass.
BINS       := $(O)/bin/spinal-core $(O)/bin/spinal-agent $(O)/bin/spinal-inspect
UNIT_BINS  := $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRCS))
CHECKS     := check-unit
SAN_CHECKS := check-unit
TSAN_CHECKS :=
BENCHES    :=
INSTALL_BINS := spinal-core spinal-agent spinal-inspect

obj = $(patsubst %.c,$(O)/obj/%.o,$(1))

-include $(sort $(wildcard mk/*.mk))

.PHONY: all test check check-unit demo clean install deps bench kmod kmod_install kmod_clean

all: $(BINS) $(UNIT_BINS)

$(O)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIBSPINAL): $(call obj,$(LIB_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(LIBRT): $(call obj,$(RT_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(LIBAGENT): $(call obj,$(AGENT_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(O)/bin/spinal-core: $(call obj,rtcore/main.c) $(LIBRT) $(LIBSPINAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(LDLIBS_BASE) -o $@

$(O)/bin/spinal-agent: $(call obj,userspace/main.c) $(LIBAGENT) $(LIBSPINAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(AGENT_LIBS) $(LDLIBS_BASE) -o $@

$(O)/bin/spinal-inspect: $(call obj,tools/inspect.c) $(LIBSPINAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(LDLIBS_BASE) -o $@

# Unit tests link every library so a test can reach any component.
$(O)/tests/test_%: $(call obj,tests/unit/test_%.c) $(LIBRT) $(LIBAGENT) $(LIBSPINAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(AGENT_LIBS) $(LDLIBS_BASE) $(CMOCKA_LIBS) -o $@

check-unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

check: all
	@set -e; for c in $(CHECKS); do $(MAKE) --no-print-directory $$c; done
	@echo "check: all checks passed ($(CHECKS))"

deps:
	@tools/install-deps

# The whole suite: normal build and checks, then the sanitizer pass.
test: deps
	$(MAKE) all
	$(MAKE) check
	$(MAKE) SAN=asan all
	@set -e; for c in $(SAN_CHECKS); do $(MAKE) --no-print-directory SAN=asan $$c; done
	@set -e; for c in $(TSAN_CHECKS); do $(MAKE) --no-print-directory SAN=tsan $$c; done
	@echo "make test: PASS"

demo: deps
	$(MAKE) all
	tools/demo

# The side-by-side suite (tools/bench/run, one JSON file: build/bench.json);
# each component's benchmark alone: make bench-sps, bench-graph, ...
bench: all
	@$(MAKE) --no-print-directory bench-all

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(addprefix $(O)/bin/,$(INSTALL_BINS)) $(DESTDIR)$(PREFIX)/bin/

clean:
	rm -rf build

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)
