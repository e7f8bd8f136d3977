# libspinal-driver: the installed robot-driver library (include/spinal/driver.h,
# lib/driver.c, lib/agent_client.c), its pkg-config file, man page and the
# Python binding (python/spinal/, ctypes over the .so).  spinal-sim and
# spinal-ros2 link the same code statically from libspinal.a.
#
#   make check-driver   the C and Python drivers of docs/driver.md, compiled
#                       against the shared library and run against a real core:
#                       they drive the robot; a bumper fault stops it (counted
#                       as aas.interventions.bumper); the docs' code is the
#                       tested code (tests/driver/run.sh)

DRV_SONAME  := libspinal-driver.so.1
DRV_SO      := $(O)/lib/libspinal-driver.so.1.0
DRV_SRCS    := lib/driver.c lib/agent_client.c lib/region.c lib/handoff_client.c \
	lib/runpath.c lib/wd.c lib/hist.c
DRV_PIC     := $(patsubst %.c,$(O)/pic/%.o,$(DRV_SRCS))
DRV_EXAMPLE := $(O)/examples/minimal_driver

BINS += $(DRV_SO) $(O)/lib/libspinal-driver.so $(DRV_EXAMPLE)

$(O)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=default -c $< -o $@

$(DRV_SO): $(DRV_PIC) lib/driver.map
	@mkdir -p $(dir $@)
	$(CC) -shared $(ALL_LDFLAGS) -Wl,-soname,$(DRV_SONAME) -Wl,--version-script=lib/driver.map \
		-Wl,-z,defs $(DRV_PIC) -lm -o $@

$(O)/lib/libspinal-driver.so: $(DRV_SO)
	ln -sf libspinal-driver.so.1.0 $(O)/lib/$(DRV_SONAME)
	ln -sf $(DRV_SONAME) $@

# the docs' C driver, built the way a user builds it: header + shared library
$(DRV_EXAMPLE): examples/driver/minimal_driver.c $(O)/lib/libspinal-driver.so
	@mkdir -p $(dir $@)
	$(CC) -std=c99 -Wall -Wextra -Werror $(SAN_FLAGS) -Iinclude $< -L$(O)/lib -lspinal-driver -lm \
		-Wl,-rpath,$(abspath $(O)/lib) -o $@

.PHONY: check-driver
CHECKS += check-driver
SAN_CHECKS += check-driver
check-driver: $(DRV_EXAMPLE) $(O)/bin/spinal-core $(O)/bin/spinal-inspect
	tests/driver/run.sh --build $(O)

# command() and publish() on two threads while follow() re-attaches across core
# restarts (tests/driver/follow.sh); also in the ThreadSanitizer pass
DRV_STRESS := $(O)/tests/follow_stress
BINS += $(DRV_STRESS)
$(DRV_STRESS): $(call obj,tests/driver/follow_stress.c) $(LIBSPINAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(LDLIBS_BASE) -o $@

.PHONY: check-driver-follow
CHECKS += check-driver-follow
TSAN_CHECKS += check-driver-follow
check-driver-follow: $(DRV_STRESS) $(O)/bin/spinal-core
	tests/driver/follow.sh --build $(O)
