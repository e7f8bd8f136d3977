/* SPDX-License-Identifier: MIT */
/*
 * Message conversions of spinal-ros2, pure functions (unit tested in
 * tests/ros2/test_ros2_msg.c): nav_msgs/Odometry -> robot state for the
 * core, geometry_msgs/PoseStamped -> goal, command -> Twist/TwistStamped.
 *
 * Frames: the core's map frame is --map-frame (default "map"); odometry
 * must come in --odom-frame (default "odom") about --base-frame (default
 * "base_link"), and the fixed pose of the odom frame in the map frame
 * (--odom-in-map, default identity) takes it into the map frame.  A robot
 * that localises itself publishes odometry directly in the map frame
 * (--odom-frame map).  Goals in any frame other than the map frame are
 * refused: the bridge has no TF tree and never guesses a transform.
 */
#ifndef SPINAL_TOOLS_ROS2_MSG_H
#define SPINAL_TOOLS_ROS2_MSG_H

#include <stdint.h>

#include <spinal/driver.h>

#include "ros2_types.h"

struct r2_frames {
	char map[64], odom[64], base[64]; /* base "": child_frame_id not checked */
	double odom_x, odom_y, odom_th;   /* pose of the odom frame in the map frame */
};

/* Why an odometry message did not reach the core. */
enum r2_odom_verdict {
	R2_ODOM_OK = 0,
	R2_ODOM_NAN,    /* NaN/Inf in pose, orientation or twist */
	R2_ODOM_FRAME,  /* header.frame_id is not --odom-frame */
	R2_ODOM_CHILD,  /* child_frame_id is not --base-frame */
	R2_ODOM_QUAT,   /* orientation not a unit quaternion (e.g. all zero) */
	R2_ODOM_STALE,  /* header stamp not newer than the last accepted one */
	R2_ODOM_RANGE,  /* |x|,|y| > 1e6 m or |v|,|omega| > 1e3 */
	R2_ODOM_COUNT,
};

const char *r2_odom_verdict_name(unsigned int v);

/* Header stamp in ns (0 for a zero or negative stamp). */
uint64_t r2_stamp_ns(const builtin_interfaces_msg_dds__Time_ *t);

/*
 * r2_odom_to_state - judge @m and convert it into @out (map frame, stamp =
 * @recv_mono_ns, the CLOCK_MONOTONIC of arrival; source_stamp_ns = the ROS
 * stamp).  @last_stamp_ns: ROS stamp of the last accepted message (0:
 * none).  Pure.  Returns an enum r2_odom_verdict; @out is filled only for
 * R2_ODOM_OK.
 */
int r2_odom_to_state(const nav_msgs_msg_dds__Odometry_ *m, const struct r2_frames *f,
		     uint64_t last_stamp_ns, uint64_t recv_mono_ns, uint32_t faults,
		     struct spinal_driver_state *out);

/*
 * r2_goal_from_pose - the goal point of @m in the map frame.  Pure.
 * Returns 0 with *x, *y, or -EINVAL with the reason in @why (other frame,
 * NaN, beyond 1e6 m).
 */
int r2_goal_from_pose(const geometry_msgs_msg_dds__PoseStamped_ *m, const struct r2_frames *f,
		      double *x, double *y, char *why, size_t whylen);

/* (v, omega) as a Twist (linear.x, angular.z; the rest zero).  Pure. */
void r2_twist_fill(geometry_msgs_msg_dds__Twist_ *t, double v, double omega);

/* Parse "X,Y,THETA" into @f's odom pose.  0 or -EINVAL. */
int r2_frames_parse_pose(const char *s, struct r2_frames *f);

#endif
