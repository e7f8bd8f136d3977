/* SPDX-License-Identifier: MIT */
/*
 * spinal-ros2's /diagnostics (diagnostic_msgs/DiagnosticArray) and status
 * (std_msgs/String, one JSON object) from the core's stats, read as an
 * observer, and the bridge's own counters.  Main thread, once a second.
 */
#ifndef SPINAL_TOOLS_ROS2_DIAG_H
#define SPINAL_TOOLS_ROS2_DIAG_H

#include <stdint.h>

#include <spinal/driver.h>

#include "ros2_types.h"
#include "tools/ros2/ros2_msg.h"

#define R2_DIAG_KV 24

/* What the bridge counted (a snapshot). */
struct r2_bridge_counts {
	uint64_t odom_rx, odom_ok, odom_bad[R2_ODOM_COUNT];
	uint64_t cmd_pub, cmd_zero;
	uint64_t goals_rx, goals_accepted, goals_refused;
	uint64_t incompatible_qos, typehash_ok, typehash_mismatch, type_mismatch;
	uint32_t last_stop;          /* enum spinal_driver_stop of the last command */
	const char *attach;          /* "socket" / "shm" */
	const char *last_goal_error; /* "" when none */
};

/* A DiagnosticArray with its storage (no allocation). */
struct r2_diag {
	diagnostic_msgs_msg_dds__DiagnosticArray_ arr;
	diagnostic_msgs_msg_dds__DiagnosticStatus_ st[2];
	diagnostic_msgs_msg_dds__KeyValue_ kv[2][R2_DIAG_KV];
	char key[2][R2_DIAG_KV][32], val[2][R2_DIAG_KV][96];
	char name[2][48], msg[2][192], hw[64], frame[8];
};

/* The core's verdict in words ("driving", "SAFE STOP (stale_state)", ...). */
const char *r2_core_summary(const struct spinal_driver_status *now,
			    const struct spinal_driver_status *prev, char *buf, size_t len,
			    int *level);

/*
 * r2_diag_build - fill @d from the stats now and @dt_s seconds ago and the
 * bridge's counters; d->arr is ready to write.  Pure.
 */
void r2_diag_build(struct r2_diag *d, const char *instance,
		   const struct spinal_driver_status *now,
		   const struct spinal_driver_status *prev, double dt_s,
		   const struct r2_bridge_counts *b);

/* The status topic's JSON into @buf.  Pure. */
void r2_status_json(char *buf, size_t len, const char *instance,
		    const struct spinal_driver_status *now,
		    const struct spinal_driver_status *prev, double dt_s,
		    const struct r2_bridge_counts *b);

#endif
