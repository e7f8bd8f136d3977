// SPDX-License-Identifier: MIT
/* spinal-ros2's pure parts: odometry/goal judgement, QoS and topic names, diagnostics. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <spinal/region.h>
#include <spinal/stats.h>

#include "tools/ros2/ros2_diag.h"
#include "tools/ros2/ros2_msg.h"
#include "tools/ros2/ros2_wire.h"

static char odom_frame[] = "odom", base_frame[] = "base_link", map_frame[] = "map";

static void frames(struct r2_frames *f)
{
	memset(f, 0, sizeof(*f));
	strcpy(f->map, "map");
	strcpy(f->odom, "odom");
	strcpy(f->base, "base_link");
}

static void odom(nav_msgs_msg_dds__Odometry_ *m, double x, double y, double yaw)
{
	memset(m, 0, sizeof(*m));
	m->header.stamp.sec = 100;
	m->header.stamp.nanosec = 5;
	m->header.frame_id = odom_frame;
	m->child_frame_id = base_frame;
	m->pose.pose.position.x = x;
	m->pose.pose.position.y = y;
	m->pose.pose.orientation.z = sin(yaw / 2);
	m->pose.pose.orientation.w = cos(yaw / 2);
	m->twist.twist.linear.x = 0.5;
	m->twist.twist.angular.z = -0.25;
}

static void test_odom_ok_and_transform(void **state)
{
	nav_msgs_msg_dds__Odometry_ m;
	struct spinal_driver_state st;
	struct r2_frames f;

	(void)state;
	frames(&f);
	odom(&m, 1.0, 0.0, M_PI / 2);
	assert_int_equal(r2_odom_to_state(&m, &f, 0, 777, 0, &st), R2_ODOM_OK);
	assert_int_equal(st.stamp_ns, 777); /* arrival time, never the ROS stamp */
	assert_int_equal(st.source_stamp_ns, 100000000005ull);
	assert_true(fabs(st.x - 1.0) < 1e-12 && fabs(st.y) < 1e-12);
	assert_true(fabs(st.theta - M_PI / 2) < 1e-9);
	assert_true(st.v == 0.5 && st.omega == -0.25);
	/* odom frame at (2, 8) turned by 90 degrees in the map */
	f.odom_x = 2;
	f.odom_y = 8;
	f.odom_th = M_PI / 2;
	assert_int_equal(r2_odom_to_state(&m, &f, 0, 1, 0, &st), R2_ODOM_OK);
	assert_true(fabs(st.x - 2.0) < 1e-9 && fabs(st.y - 9.0) < 1e-9);
	assert_true(fabs(fabs(st.theta) - M_PI) < 1e-9); /* wrapped into [-pi, pi) */
}

static void test_odom_rejections(void **state)
{
	nav_msgs_msg_dds__Odometry_ m;
	struct spinal_driver_state st;
	struct r2_frames f;
	char other[] = "map", slash[] = "/odom";

	(void)state;
	frames(&f);
	odom(&m, 1, 2, 0);
	m.pose.pose.position.x = NAN;
	assert_int_equal(r2_odom_to_state(&m, &f, 0, 1, 0, &st), R2_ODOM_NAN);
	odom(&m, 1, 2, 0);
	m.twist.twist.angular.z = INFINITY;
	assert_int_equal(r2_odom_to_state(&m, &f, 0, 1, 0, &st), R2_ODOM_NAN);
	odom(&m, 1, 2, 0);
	m.pose.pose.orientation.w = NAN;
	assert_int_equal(r2_odom_to_state(&m, &f, 0, 1, 0, &st), R2_ODOM_NAN);
	odom(&m, 1, 2, 0);
	m.header.frame_id = other;
	assert_int_equal(r2_odom_to_state(&m, &f, 0, 1, 0, &st), R2_ODOM_FRAME);
	m.header.frame_id = NULL;
	assert_int_equal(r2_odom_to_state(&m, &f, 0, 1, 0, &st), R2_ODOM_FRAME);
	m.header.frame_id = slash; /* a ROS 1 style leading slash is the same frame */
	assert_int_equal(r2_odom_to_state(&m, &f, 0, 1, 0, &st), R2_ODOM_OK);
	m.child_frame_id = other;
	assert_int_equal(r2_odom_to_state(&m, &f, 0, 1, 0, &st), R2_ODOM_CHILD);
	f.base[0] = '\0'; /* --base-frame "": any child */
	assert_int_equal(r2_odom_to_state(&m, &f, 0, 1, 0, &st), R2_ODOM_OK);
	frames(&f);
	odom(&m, 1, 2, 0);
	m.pose.pose.orientation.w = 0; /* all-zero quaternion: a common publisher bug */
	assert_int_equal(r2_odom_to_state(&m, &f, 0, 1, 0, &st), R2_ODOM_QUAT);
	odom(&m, 1, 2, 0);
	/* a stamp not newer than the last accepted one: replayed or reordered */
	assert_int_equal(r2_odom_to_state(&m, &f, 100000000005ull, 1, 0, &st), R2_ODOM_STALE);
	assert_int_equal(r2_odom_to_state(&m, &f, 100000000006ull, 1, 0, &st), R2_ODOM_STALE);
	assert_int_equal(r2_odom_to_state(&m, &f, 100000000004ull, 1, 0, &st), R2_ODOM_OK);
	m.header.stamp.sec = 0; /* no stamp at all: not ordered, accepted */
	m.header.stamp.nanosec = 0;
	assert_int_equal(r2_odom_to_state(&m, &f, 100000000004ull, 1, 0, &st), R2_ODOM_OK);
	assert_int_equal(st.source_stamp_ns, 0);
	odom(&m, 2e6, 0, 0);
	assert_int_equal(r2_odom_to_state(&m, &f, 0, 1, 0, &st), R2_ODOM_RANGE);
	odom(&m, 0, 0, 0);
	m.twist.twist.linear.x = 5e3;
	assert_int_equal(r2_odom_to_state(&m, &f, 0, 1, 0, &st), R2_ODOM_RANGE);
	assert_string_equal(r2_odom_verdict_name(R2_ODOM_NAN), "nan");
	assert_string_equal(r2_odom_verdict_name(99), "?");
}

static void test_goal_frames(void **state)
{
	geometry_msgs_msg_dds__PoseStamped_ g;
	struct r2_frames f;
	char why[192];
	double x = 0, y = 0;

	(void)state;
	frames(&f);
	memset(&g, 0, sizeof(g));
	g.header.frame_id = map_frame;
	g.pose.position.x = 3;
	g.pose.position.y = -4;
	assert_int_equal(r2_goal_from_pose(&g, &f, &x, &y, why, sizeof(why)), 0);
	assert_true(x == 3 && y == -4);
	g.header.frame_id = odom_frame;
	assert_int_equal(r2_goal_from_pose(&g, &f, &x, &y, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "frame 'odom'"));
	g.header.frame_id = map_frame;
	g.pose.position.y = NAN;
	assert_int_equal(r2_goal_from_pose(&g, &f, &x, &y, why, sizeof(why)), -EINVAL);
	g.pose.position.y = 2e6;
	assert_int_equal(r2_goal_from_pose(&g, &f, &x, &y, why, sizeof(why)), -EINVAL);
}

static void test_qos_and_names(void **state)
{
	struct r2_qos q = { 1, 0, 10 };
	char err[160], dds[128], ros[128], buf[64];

	(void)state;
	assert_int_equal(r2_qos_parse("best_effort,5", &q, err, sizeof(err)), 0);
	assert_string_equal(r2_qos_str(&q, buf, sizeof(buf)), "best_effort,volatile,5");
	assert_int_equal(r2_qos_parse("transient_local,reliable", &q, err, sizeof(err)), 0);
	assert_string_equal(r2_qos_str(&q, buf, sizeof(buf)), "reliable,transient_local,5");
	assert_int_equal(r2_qos_parse("reliable,best_effort", &q, err, sizeof(err)), -EINVAL);
	assert_int_equal(r2_qos_parse("fast", &q, err, sizeof(err)), -EINVAL);
	assert_int_equal(r2_qos_parse("0", &q, err, sizeof(err)), -EINVAL);
	assert_int_equal(r2_qos_parse("1001", &q, err, sizeof(err)), -EINVAL);
	assert_int_equal(r2_topic_name("/", "odom", dds, sizeof(dds), ros, sizeof(ros)), 0);
	assert_string_equal(dds, "rt/odom");
	assert_string_equal(ros, "/odom");
	assert_int_equal(r2_topic_name("/bot1", "cmd_vel", dds, sizeof(dds), ros, sizeof(ros)), 0);
	assert_string_equal(dds, "rt/bot1/cmd_vel");
	assert_int_equal(r2_topic_name("/bot1", "/diagnostics", dds, sizeof(dds), NULL, 0), 0);
	assert_string_equal(dds, "rt/diagnostics");
	assert_int_equal(r2_topic_name("/", "spinal/status", dds, sizeof(dds), NULL, 0), 0);
	assert_string_equal(dds, "rt/spinal/status");
	assert_int_equal(r2_topic_name("/", "a//b", dds, sizeof(dds), NULL, 0), -EINVAL);
	assert_int_equal(r2_topic_name("/", "odom/", dds, sizeof(dds), NULL, 0), -EINVAL);
	assert_int_equal(r2_topic_name("/", "9odom", dds, sizeof(dds), NULL, 0), -EINVAL);
	assert_int_equal(r2_topic_name("/", "od-om", dds, sizeof(dds), NULL, 0), -EINVAL);
	assert_int_equal(r2_topic_name("bot", "odom", dds, sizeof(dds), NULL, 0), -EINVAL);
	assert_int_equal(r2_topic_name("/", "odom", dds, 5, NULL, 0), -ENAMETOOLONG);
}

static void test_type_names(void **state)
{
	(void)state;
	assert_string_equal(r2_odometry.desc->m_typename, "nav_msgs::msg::dds_::Odometry_");
	assert_string_equal(r2_twist.desc->m_typename, "geometry_msgs::msg::dds_::Twist_");
	assert_string_equal(r2_participant_entities_info.desc->m_typename,
			    "rmw_dds_common::msg::dds_::ParticipantEntitiesInfo_");
	assert_int_equal(strlen(r2_odometry.hash), 7 + 64);
}

static void test_twist_and_pose(void **state)
{
	geometry_msgs_msg_dds__Twist_ t;
	struct r2_frames f;

	(void)state;
	memset(&t, 0xff, sizeof(t));
	r2_twist_fill(&t, 0.7, -0.2);
	assert_true(t.linear.x == 0.7 && t.angular.z == -0.2);
	assert_true(t.linear.y == 0 && t.linear.z == 0 && t.angular.x == 0 && t.angular.y == 0);
	frames(&f);
	assert_int_equal(r2_frames_parse_pose("2,8,0.5", &f), 0);
	assert_true(f.odom_x == 2 && f.odom_y == 8 && f.odom_th == 0.5);
	assert_int_equal(r2_frames_parse_pose("2,8", &f), -EINVAL);
	assert_int_equal(r2_frames_parse_pose("2,8,nan", &f), -EINVAL);
	assert_int_equal(r2_frames_parse_pose("2,8,1,", &f), -EINVAL);
}

static void test_diag_summary(void **state)
{
	struct spinal_driver_status a, b;
	static struct r2_diag d;
	struct r2_bridge_counts c;
	char buf[192], json[2048];
	int level;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.state = SPINAL_STATE_RUNNING;
	b = a;
	b.ticks = 1000;
	assert_string_equal(r2_core_summary(&b, &a, buf, sizeof(buf), &level), "driving");
	assert_int_equal(level, 0);
	b.aas[SPINAL_AAS_STALE_STATE] = 3;
	r2_core_summary(&b, &a, buf, sizeof(buf), &level);
	assert_string_equal(buf, "SAFE STOP (stale_state)");
	assert_int_equal(level, 2);
	b.aas[SPINAL_AAS_BUMPER] = 1; /* a driver fault outranks staleness */
	r2_core_summary(&b, &a, buf, sizeof(buf), &level);
	assert_string_equal(buf, "SAFE STOP (bumper)");
	b.aas[SPINAL_AAS_ESTOP] = 1;
	r2_core_summary(&b, &a, buf, sizeof(buf), &level);
	assert_string_equal(buf, "E-STOP (estop)");
	b.agent_safe_stop = 1;
	r2_core_summary(&b, &a, buf, sizeof(buf), &level);
	assert_string_equal(buf, "SAFE STOP requested by spinal-agent");
	b.state = SPINAL_STATE_STOPPED;
	r2_core_summary(&b, &a, buf, sizeof(buf), &level);
	assert_string_equal(buf, "core stopped");
	memset(&c, 0, sizeof(c));
	c.attach = "shm";
	c.odom_bad[R2_ODOM_NAN] = 4;
	c.last_goal_error = "";
	r2_diag_build(&d, "bot", &b, &a, 1.0, &c);
	assert_int_equal(d.arr.status._length, 2);
	assert_string_equal(d.st[0].name, "spinal: core");
	assert_int_equal(d.st[0].level, 2);
	assert_string_equal(d.st[0].hardware_id, "spinal:bot");
	assert_true(d.st[0].values._length > 10);
	assert_string_equal(d.kv[0][1].key, "loop rate (Hz)");
	assert_string_equal(d.kv[0][1].value, "1000.0");
	r2_status_json(json, sizeof(json), "bot", &b, &a, 1.0, &c);
	assert_non_null(strstr(json, "\"nan\":4"));
	assert_non_null(strstr(json, "\"attach\":\"shm\"}"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_odom_ok_and_transform),
		cmocka_unit_test(test_odom_rejections),
		cmocka_unit_test(test_goal_frames),
		cmocka_unit_test(test_qos_and_names),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_twist_and_pose),
		cmocka_unit_test(test_diag_summary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
