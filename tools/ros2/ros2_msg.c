// SPDX-License-Identifier: MIT
/* Message conversions of spinal-ros2 (see ros2_msg.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cli.h"
#include "tools/ros2/ros2_msg.h"

#define POS_MAX 1.0e6
#define VEL_MAX 1.0e3

static const char *const verdict_names[R2_ODOM_COUNT] = {
	"ok", "nan", "frame", "child_frame", "quaternion", "stale", "range",
};

const char *r2_odom_verdict_name(unsigned int v)
{
	return v < R2_ODOM_COUNT ? verdict_names[v] : "?";
}

uint64_t r2_stamp_ns(const builtin_interfaces_msg_dds__Time_ *t)
{
	if (t->sec <= 0 && t->nanosec == 0)
		return 0;
	if (t->sec < 0 || t->nanosec >= 1000000000u)
		return 0;
	return (uint64_t)t->sec * 1000000000ull + t->nanosec;
}

static int fin(double a)
{
	return isfinite(a);
}

static double wrap(double a)
{
	a = fmod(a + M_PI, 2.0 * M_PI);
	if (a < 0)
		a += 2.0 * M_PI;
	return a - M_PI;
}

static int same_frame(const char *a, const char *b)
{
	/* ROS 2 tf2 frame ids carry no leading slash; accept one from old publishers */
	if (a[0] == '/')
		a++;
	if (b[0] == '/')
		b++;
	return !strcmp(a, b);
}

int r2_odom_to_state(const nav_msgs_msg_dds__Odometry_ *m, const struct r2_frames *f,
		     uint64_t last_stamp_ns, uint64_t recv_mono_ns, uint32_t faults,
		     struct spinal_driver_state *out)
{
	const geometry_msgs_msg_dds__Pose_ *p = &m->pose.pose;
	const geometry_msgs_msg_dds__Twist_ *t = &m->twist.twist;
	const geometry_msgs_msg_dds__Quaternion_ *q = &p->orientation;
	double n2, yaw, c, s, x, y;
	uint64_t stamp = r2_stamp_ns(&m->header.stamp);

	if (!fin(p->position.x) || !fin(p->position.y) || !fin(p->position.z) || !fin(q->x) ||
	    !fin(q->y) || !fin(q->z) || !fin(q->w) || !fin(t->linear.x) || !fin(t->linear.y) ||
	    !fin(t->angular.z))
		return R2_ODOM_NAN;
	if (!same_frame(m->header.frame_id ? m->header.frame_id : "", f->odom))
		return R2_ODOM_FRAME;
	if (f->base[0] && !same_frame(m->child_frame_id ? m->child_frame_id : "", f->base))
		return R2_ODOM_CHILD;
	n2 = q->x * q->x + q->y * q->y + q->z * q->z + q->w * q->w;
	if (fabs(n2 - 1.0) > 0.02)
		return R2_ODOM_QUAT;
	if (stamp && last_stamp_ns && stamp <= last_stamp_ns)
		return R2_ODOM_STALE;
	if (fabs(p->position.x) > POS_MAX || fabs(p->position.y) > POS_MAX ||
	    fabs(t->linear.x) > VEL_MAX || fabs(t->angular.z) > VEL_MAX)
		return R2_ODOM_RANGE;
	yaw = atan2(2.0 * (q->w * q->z + q->x * q->y), 1.0 - 2.0 * (q->y * q->y + q->z * q->z));
	c = cos(f->odom_th);
	s = sin(f->odom_th);
	x = f->odom_x + c * p->position.x - s * p->position.y;
	y = f->odom_y + s * p->position.x + c * p->position.y;
	if (fabs(x) > POS_MAX || fabs(y) > POS_MAX)
		return R2_ODOM_RANGE;
	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	out->stamp_ns = recv_mono_ns;
	out->source_stamp_ns = stamp;
	out->faults = faults;
	out->x = x;
	out->y = y;
	out->theta = wrap(yaw + f->odom_th);
	out->v = t->linear.x;
	out->omega = t->angular.z;
	return R2_ODOM_OK;
}

int r2_goal_from_pose(const geometry_msgs_msg_dds__PoseStamped_ *m, const struct r2_frames *f,
		      double *x, double *y, char *why, size_t whylen)
{
	const char *fr = m->header.frame_id ? m->header.frame_id : "";

	if (!same_frame(fr, f->map)) {
		snprintf(why, whylen, "goal in frame '%s', the core's map frame is '%s' (no TF here: send goals in '%s')",
			 fr, f->map, f->map);
		return -EINVAL;
	}
	if (!fin(m->pose.position.x) || !fin(m->pose.position.y)) {
		snprintf(why, whylen, "goal position is not finite");
		return -EINVAL;
	}
	if (fabs(m->pose.position.x) > POS_MAX || fabs(m->pose.position.y) > POS_MAX) {
		snprintf(why, whylen, "goal position beyond 1e6 m");
		return -EINVAL;
	}
	*x = m->pose.position.x;
	*y = m->pose.position.y;
	return 0;
}

void r2_twist_fill(geometry_msgs_msg_dds__Twist_ *t, double v, double omega)
{
	memset(t, 0, sizeof(*t));
	t->linear.x = v;
	t->angular.z = omega;
}

int r2_frames_parse_pose(const char *s, struct r2_frames *f)
{
	double v[3];

	if (spinal_parse_doubles(s, v, 3) || fabs(v[0]) > POS_MAX || fabs(v[1]) > POS_MAX ||
	    fabs(v[2]) > 64)
		return -EINVAL;
	f->odom_x = v[0];
	f->odom_y = v[1];
	f->odom_th = v[2];
	return 0;
}
