# spinal-ros2: the ROS 2 bridge on Cyclone DDS (tools/ros2/, docs/ros2.md), and
# libspinal-driver, the installed driver library (lib/driver.c,
# include/spinal/driver.h, python/spinal/, docs/driver.md).
#
#   make check-ros2          rclpy (Fast DDS) robot <-> spinal-ros2 (Cyclone) in a
#                            private network namespace: goal reached, paused odom,
#                            NaN odom, bridge killed, wrong QoS, node listed, type
#                            hashes of the real peers (tests/ros2/run.sh)
#   make check-ros2-unit     message conversions (cmocka) and the IDL's REP-2011
#                            type hashes against the installed ROS 2 packages
#   make check-driver        C and Python drivers of docs/driver.md against a core
#   make bench-ros2          odometry arrival -> mailbox and mailbox -> /cmd_vel
#                            p50/p99 at 1 kHz, beside an rclpy echo node

ROS2_IDL   := tools/ros2/ros2_types.idl
ROS2_GEN   := $(O)/gen/ros2
ROS2_BIN   := $(O)/bin/spinal-ros2
ROS2_SRCS  := tools/ros2/ros2_wire.c tools/ros2/ros2_msg.c tools/ros2/ros2_diag.c
DDS_LIBS   := $(shell pkg-config --libs CycloneDDS 2>/dev/null || echo -lddsc)
IDLC       ?= idlc

BINS += $(ROS2_BIN)
INSTALL_BINS += spinal-ros2

$(ROS2_GEN)/ros2_types.c $(ROS2_GEN)/ros2_types.h: $(ROS2_IDL)
	@mkdir -p $(ROS2_GEN)
	$(IDLC) -t -o $(ROS2_GEN) $<

ROS2_OBJS := $(call obj,$(ROS2_SRCS) tools/ros2/spinal-ros2.c) $(O)/obj/gen/ros2_types.o
$(ROS2_OBJS): ALL_CFLAGS += -I$(ROS2_GEN)
$(call obj,$(ROS2_SRCS) tools/ros2/spinal-ros2.c): $(ROS2_GEN)/ros2_types.h

# idlc's output is not ours: compiled without -Werror's extra warnings
$(O)/obj/gen/ros2_types.o: $(ROS2_GEN)/ros2_types.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -g -fPIC -I$(ROS2_GEN) $(SAN_FLAGS) -c $< -o $@

$(ROS2_BIN): $(ROS2_OBJS) $(LIBSPINAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(DDS_LIBS) $(LDLIBS_BASE) -o $@

# --- message conversion unit test (cmocka, no DDS traffic) ---
ROS2_UNIT := $(O)/tests/test_ros2_msg
BINS += $(ROS2_UNIT)
$(call obj,tests/ros2/test_ros2_msg.c): ALL_CFLAGS += -I$(ROS2_GEN)
$(call obj,tests/ros2/test_ros2_msg.c): $(ROS2_GEN)/ros2_types.h
$(ROS2_UNIT): $(call obj,tests/ros2/test_ros2_msg.c) $(call obj,$(ROS2_SRCS)) $(O)/obj/gen/ros2_types.o $(LIBSPINAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(DDS_LIBS) $(LDLIBS_BASE) $(CMOCKA_LIBS) -o $@

.PHONY: check-ros2 check-ros2-unit bench-ros2
CHECKS += check-ros2-unit check-ros2
SAN_CHECKS += check-ros2-unit check-ros2

check-ros2-unit: $(ROS2_UNIT)
	$(ROS2_UNIT)
	tests/ros2/typehash.sh

check-ros2: $(ROS2_BIN) $(O)/bin/spinal-core $(O)/bin/spinal-agent $(O)/bin/spinal-inspect
	tests/ros2/run.sh --build $(O)

BENCHES += bench-ros2
bench-ros2: $(ROS2_BIN) $(O)/bin/spinal-core
	tests/ros2/bench.sh --build $(O)
