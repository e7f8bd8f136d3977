// SPDX-License-Identifier: MIT
/* /diagnostics and the status topic of spinal-ros2 (see ros2_diag.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <spinal/region.h>
#include <spinal/stats.h>

#include "tools/ros2/ros2_diag.h"
#include "tools/ros2/ros2_wire.h"

#define LVL_OK 0
#define LVL_WARN 1
#define LVL_ERROR 2

/* AAS reasons that stop the robot (the others only shape the command). */
static const unsigned int stop_reasons[] = {
	SPINAL_AAS_ESTOP, SPINAL_AAS_HW_ESTOP, SPINAL_AAS_BUMPER, SPINAL_AAS_MOTOR_FAULT,
	SPINAL_AAS_LOC_LOST, SPINAL_AAS_OVERRUN_STOP, SPINAL_AAS_STALE_STATE, SPINAL_AAS_NAN,
	SPINAL_AAS_NO_POLICY, SPINAL_AAS_GOAL_REACHED,
};

static uint64_t d64(uint64_t a, uint64_t b)
{
	return a >= b ? a - b : 0;
}

const char *r2_core_summary(const struct spinal_driver_status *now,
			    const struct spinal_driver_status *prev, char *buf, size_t len,
			    int *level)
{
	unsigned int i;

	*level = LVL_OK;
	if (now->state != SPINAL_STATE_RUNNING) {
		*level = LVL_ERROR;
		snprintf(buf, len, "core %s", spinal_driver_core_state_name(now->state));
		return buf;
	}
	if (now->agent_core_dead) {
		*level = LVL_ERROR;
		snprintf(buf, len, "SAFE STOP: spinal-agent declared the core dead");
		return buf;
	}
	if (now->agent_safe_stop) {
		*level = LVL_ERROR;
		snprintf(buf, len, "SAFE STOP requested by spinal-agent");
		return buf;
	}
	/* the first stop reason (in order of severity) counted in this window */
	for (i = 0; i < sizeof(stop_reasons) / sizeof(stop_reasons[0]); i++) {
		unsigned int r = stop_reasons[i];

		if (d64(now->aas[r], prev->aas[r]) == 0)
			continue;
		if (r == SPINAL_AAS_GOAL_REACHED) {
			snprintf(buf, len, "goal reached");
			return buf;
		}
		*level = r == SPINAL_AAS_NO_POLICY ? LVL_WARN : LVL_ERROR;
		snprintf(buf, len, "%s (%s)",
			 r == SPINAL_AAS_ESTOP || r == SPINAL_AAS_HW_ESTOP ? "E-STOP" : "SAFE STOP",
			 spinal_driver_aas_reason_name(r));
		return buf;
	}
	if (now->safe_stop) {
		*level = LVL_ERROR;
		snprintf(buf, len, "SAFE STOP latched (0x%x)", now->safe_stop);
		return buf;
	}
	if (d64(now->overruns, prev->overruns))
		*level = LVL_WARN;
	snprintf(buf, len, "driving");
	return buf;
}

static void kv(struct r2_diag *d, int s, const char *key, const char *fmt, ...)
{
	unsigned int k = d->st[s].values._length;
	va_list ap;

	if (k >= R2_DIAG_KV)
		return;
	snprintf(d->key[s][k], sizeof(d->key[s][k]), "%s", key);
	va_start(ap, fmt);
	vsnprintf(d->val[s][k], sizeof(d->val[s][k]), fmt, ap);
	va_end(ap);
	d->kv[s][k].key = d->key[s][k];
	d->kv[s][k].value = d->val[s][k];
	d->st[s].values._length = k + 1;
}

void r2_diag_build(struct r2_diag *d, const char *instance,
		   const struct spinal_driver_status *now,
		   const struct spinal_driver_status *prev, double dt_s,
		   const struct r2_bridge_counts *b)
{
	static const char *const stage_key[SPINAL_STAGE_COUNT] = {
		"wake lateness p99 (us)", "sfs p99 (us)", "sps p99 (us)", "aas p99 (us)",
		"vi p99 (us)",
	};
	double rate = dt_s > 0 ? (double)d64(now->ticks, prev->ticks) / dt_s : 0;
	unsigned int i;
	int level, s;
	uint64_t bad = 0;

	memset(d, 0, sizeof(*d));
	r2_now(&d->arr.header.stamp.sec, &d->arr.header.stamp.nanosec);
	d->arr.header.frame_id = d->frame;
	snprintf(d->hw, sizeof(d->hw), "spinal:%s", instance);
	for (s = 0; s < 2; s++) {
		d->st[s].name = d->name[s];
		d->st[s].message = d->msg[s];
		d->st[s].hardware_id = d->hw;
		d->st[s].values._buffer = d->kv[s];
		d->st[s].values._maximum = R2_DIAG_KV;
	}
	/* 0: the core */
	snprintf(d->name[0], sizeof(d->name[0]), "spinal: core");
	r2_core_summary(now, prev, d->msg[0], sizeof(d->msg[0]), &level);
	d->st[0].level = (uint8_t)level;
	kv(d, 0, "state", "%s", spinal_driver_core_state_name(now->state));
	kv(d, 0, "loop rate (Hz)", "%.1f", rate);
	kv(d, 0, "period (us)", "%.1f", now->period_ns / 1e3);
	kv(d, 0, "overruns", "%llu", (unsigned long long)now->overruns);
	kv(d, 0, "overruns in window", "%llu", (unsigned long long)d64(now->overruns, prev->overruns));
	for (i = 0; i < SPINAL_STAGE_COUNT; i++)
		kv(d, 0, stage_key[i], "%.2f", now->stage_p99_ns[i] / 1e3);
	kv(d, 0, "safe stop latch", "0x%x", now->safe_stop);
	kv(d, 0, "e-stop", "%s", d64(now->aas[SPINAL_AAS_ESTOP], prev->aas[SPINAL_AAS_ESTOP]) ? "engaged" :
		 d64(now->aas[SPINAL_AAS_HW_ESTOP], prev->aas[SPINAL_AAS_HW_ESTOP]) ? "hardware" : "clear");
	kv(d, 0, "goal reached", "%s", now->goal_reached ? "yes" : "no");
	kv(d, 0, "agent", "%s", now->agent_attached ? "attached" : "absent");
	kv(d, 0, "pose (map)", "%.3f %.3f %.3f", now->pose_x, now->pose_y, now->pose_theta);
	kv(d, 0, "command", "%.3f m/s %.3f rad/s", now->cmd_v, now->cmd_omega);
	/* 1: the bridge */
	snprintf(d->name[1], sizeof(d->name[1]), "spinal: ros2 bridge");
	for (i = 1; i < R2_ODOM_COUNT; i++)
		bad += b->odom_bad[i];
	level = LVL_OK;
	if (b->incompatible_qos || b->typehash_mismatch || b->type_mismatch)
		level = LVL_WARN;
	if (b->last_stop != SPINAL_DRIVER_GO)
		level = level > LVL_WARN ? level : LVL_WARN;
	snprintf(d->msg[1], sizeof(d->msg[1]), "%s; odometry %llu ok, %llu rejected",
		 b->last_stop == SPINAL_DRIVER_GO ? "forwarding commands"
						  : spinal_driver_stop_name(b->last_stop),
		 (unsigned long long)b->odom_ok, (unsigned long long)bad);
	d->st[1].level = (uint8_t)level;
	kv(d, 1, "attach", "%s", b->attach);
	kv(d, 1, "odom received", "%llu", (unsigned long long)b->odom_rx);
	for (i = 1; i < R2_ODOM_COUNT; i++) {
		char k[32];

		snprintf(k, sizeof(k), "odom rejected %s", r2_odom_verdict_name(i));
		kv(d, 1, k, "%llu", (unsigned long long)b->odom_bad[i]);
	}
	kv(d, 1, "cmd published", "%llu", (unsigned long long)b->cmd_pub);
	kv(d, 1, "cmd zero (stopped)", "%llu", (unsigned long long)b->cmd_zero);
	kv(d, 1, "goals", "%llu received, %llu accepted, %llu refused",
	   (unsigned long long)b->goals_rx, (unsigned long long)b->goals_accepted,
	   (unsigned long long)b->goals_refused);
	if (b->last_goal_error && b->last_goal_error[0])
		kv(d, 1, "last goal refusal", "%s", b->last_goal_error);
	kv(d, 1, "incompatible QoS", "%llu", (unsigned long long)b->incompatible_qos);
	kv(d, 1, "peer type hash", "%llu match, %llu differ, %llu wrong type",
	   (unsigned long long)b->typehash_ok, (unsigned long long)b->typehash_mismatch,
	   (unsigned long long)b->type_mismatch);
	d->arr.status._buffer = d->st;
	d->arr.status._length = d->arr.status._maximum = 2;
}

void r2_status_json(char *buf, size_t len, const char *instance,
		    const struct spinal_driver_status *now,
		    const struct spinal_driver_status *prev, double dt_s,
		    const struct r2_bridge_counts *b)
{
	char sum[192];
	int level, n;
	unsigned int i;
	size_t o;

	r2_core_summary(now, prev, sum, sizeof(sum), &level);
	n = snprintf(buf, len,
		     "{\"instance\":\"%s\",\"core\":\"%s\",\"summary\":\"%s\",\"level\":%d,"
		     "\"loop_hz\":%.1f,\"overruns\":%llu,\"goal_reached\":%s,"
		     "\"pose\":[%.4f,%.4f,%.4f],\"cmd\":[%.4f,%.4f],\"bridge_stop\":\"%s\","
		     "\"odom_rx\":%llu,\"odom_ok\":%llu,\"odom_rejected\":{",
		     instance, spinal_driver_core_state_name(now->state), sum, level,
		     dt_s > 0 ? (double)d64(now->ticks, prev->ticks) / dt_s : 0.0,
		     (unsigned long long)now->overruns, now->goal_reached ? "true" : "false",
		     now->pose_x, now->pose_y, now->pose_theta, now->cmd_v, now->cmd_omega,
		     spinal_driver_stop_name(b->last_stop), (unsigned long long)b->odom_rx,
		     (unsigned long long)b->odom_ok);
	o = n > 0 && (size_t)n < len ? (size_t)n : len;
	for (i = 1; i < R2_ODOM_COUNT && o < len; i++) {
		n = snprintf(buf + o, len - o, "%s\"%s\":%llu", i > 1 ? "," : "",
			     r2_odom_verdict_name(i), (unsigned long long)b->odom_bad[i]);
		o += n > 0 ? (size_t)n : 0;
	}
	if (o < len)
		snprintf(buf + o, len - o,
			 "},\"cmd_pub\":%llu,\"cmd_zero\":%llu,\"goals_rx\":%llu,\"goals_accepted\":%llu,"
			 "\"goals_refused\":%llu,\"incompatible_qos\":%llu,\"typehash_ok\":%llu,"
			 "\"typehash_mismatch\":%llu,\"type_mismatch\":%llu,\"attach\":\"%s\"}",
			 (unsigned long long)b->cmd_pub, (unsigned long long)b->cmd_zero,
			 (unsigned long long)b->goals_rx, (unsigned long long)b->goals_accepted,
			 (unsigned long long)b->goals_refused, (unsigned long long)b->incompatible_qos,
			 (unsigned long long)b->typehash_ok, (unsigned long long)b->typehash_mismatch,
			 (unsigned long long)b->type_mismatch, b->attach);
}
