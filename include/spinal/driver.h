/* SPDX-License-Identifier: MIT */
/*
 * libspinal-driver: the robot side of `spinal-core --io shm`, for anyone who
 * writes a robot driver (C here, Python through python/spinal/driver.py).
 * A driver is a loop at a fixed rate:
 *
 *   struct spinal_driver_config cfg;
 *   spinal_driver_config_init(&cfg);
 *   cfg.instance = "bot1";
 *   d = spinal_driver_open(&cfg, err, sizeof(err));     // attach as the driver
 *   for (;;) {
 *       spinal_driver_command(d, &cmd);   // judged: cmd.stop != 0 -> v = omega = 0
 *       apply cmd.v, cmd.omega to the motors (clamped to the robot's own limits);
 *       sample the robot into st (pose, velocities, fault bits);
 *       spinal_driver_publish(d, &st);    // stamped with the sample time
 *       spinal_driver_follow(d, ...);     // core restarted? re-attach (cheap)
 *       sleep until the next period (absolute);
 *   }
 *   spinal_driver_close(d);
 *
 * Three roles, one call each (docs/driver.md, ARCHITECTURE.md "Trust"):
 *   driver    spinal_driver_open(): the state mailbox writable, the command
 *             mailbox and the stats read-only;
 *   observer  spinal_driver_status(): a consistent-enough copy of the core's
 *             stats (loop rate, overruns, stage p99, stops by reason);
 *   operator  spinal_driver_goal(): a goal through spinal-agent's control API
 *             (never through the core: the driver role cannot set goals).
 *
 * Threads: one driver handle belongs to one thread at a time, except
 * spinal_driver_command() and spinal_driver_publish(), which may run on two
 * different threads concurrently (a command thread and a state thread, as a
 * bridge has).  None of the calls allocates or makes a syscall except
 * open/close/follow/status/goal; command and publish are RT-safe (bounded,
 * lock-free, one clock read).
 *
 * Errors: 0 or a negative errno; constructors NULL + errno and a one-line
 * message for the operator in @err.  ABI: append-only structs whose first
 * field is their size (the caller's sizeof), versioned soname
 * libspinal-driver.so.1.
 */
#ifndef SPINAL_DRIVER_H
#define SPINAL_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SPINAL_DRIVER_VERSION_MAJOR 1
#define SPINAL_DRIVER_VERSION_MINOR 0

/*
 * Fault bits a driver reports in spinal_driver_state.faults (the state
 * mailbox's flags word, include/spinal/io_shm.h SPINAL_IO_SF_*).  Each one
 * makes the core's AAS command zero and count the reason (aas.interventions.
 * hw_estop, bumper, motor_fault, localization_lost) for as long as the bit
 * is set in fresh samples.
 */
#define SPINAL_DRIVER_FAULT_ESTOP 0x1u     /* hardware e-stop pressed */
#define SPINAL_DRIVER_FAULT_BUMPER 0x2u    /* bumper / contact sensor */
#define SPINAL_DRIVER_FAULT_MOTOR 0x4u     /* motor controller fault */
#define SPINAL_DRIVER_FAULT_LOC_LOST 0x8u  /* localisation lost: pose untrustworthy */

/* Why a command must not be applied (spinal_driver_cmd.stop).  0: apply it. */
enum spinal_driver_stop {
	SPINAL_DRIVER_GO = 0,
	SPINAL_DRIVER_STOP_NO_CMD = 1,       /* the core never wrote a command */
	SPINAL_DRIVER_STOP_TORN = 2,         /* mailbox torn on every retry */
	SPINAL_DRIVER_STOP_STALE = 3,        /* older than cmd_stale_ms, or from the future */
	SPINAL_DRIVER_STOP_CORE_STOPPED = 4, /* the core stopped (flag or state) */
	SPINAL_DRIVER_STOP_SAFE_STOP = 5,    /* spinal-agent raised a safe stop */
	SPINAL_DRIVER_STOP_CORE_DEAD = 6,    /* spinal-agent's watchdog: core dead */
	SPINAL_DRIVER_STOP_WD_TRIP = 7,      /* spinal_wd kernel watchdog tripped */
	SPINAL_DRIVER_STOP_NAN = 8,          /* v or omega not finite */
	SPINAL_DRIVER_STOP_COUNT = 9,
};

struct spinal_driver_config {
	uint32_t size;           /* sizeof(struct spinal_driver_config) */
	uint32_t cmd_stale_ms;   /* a command older than this stops the robot (default 50) */
	const char *instance;    /* spinal-core --name (default "spinal") */
	const char *socket_path; /* the core's handoff socket; NULL: <run>/core/NAME.sock
				  * when it exists (lib/runpath.h), else /dev/shm */
	uint32_t wait_ms;        /* open: retry this long while the core starts (default 0) */
	uint32_t period_us;      /* the driver's loop period, shown to operators (0: unknown) */
	uint32_t use_kernel_wd;  /* 1 (default): watch /dev/spinal_wd when present */
	uint32_t reserved;
};

/* Robot state, SI units, in the core's map frame. */
struct spinal_driver_state {
	uint32_t size;           /* sizeof(struct spinal_driver_state) */
	uint32_t faults;         /* SPINAL_DRIVER_FAULT_* */
	uint64_t stamp_ns;       /* CLOCK_MONOTONIC when the robot was sampled; 0: now */
	double x, y, theta;      /* pose, m, m, rad */
	double v, omega;         /* measured velocities, m/s, rad/s */
	uint64_t source_stamp_ns; /* the robot's own time stamp (ROS header), kept for
				   * telemetry; 0: none */
};

/* The judged command (spinal_driver_command). */
struct spinal_driver_cmd {
	uint32_t size;           /* sizeof(struct spinal_driver_cmd) */
	uint32_t stop;           /* enum spinal_driver_stop; != 0: v = omega = 0 */
	double v, omega;         /* m/s, rad/s: what to apply */
	uint64_t seq;            /* the core's command counter (0: none) */
	uint64_t stamp_ns;       /* core's CLOCK_MONOTONIC when written */
	uint64_t state_seq;      /* our state sample it was computed from */
	uint64_t age_ns;         /* now - stamp_ns at the read */
};

/* What the driver and the core counted. */
struct spinal_driver_counters {
	uint32_t size;
	uint32_t reserved;
	uint64_t published;      /* states published */
	uint64_t rejected;       /* publish() refused (NaN, bad size) */
	uint64_t commands;       /* command() calls */
	uint64_t stops[SPINAL_DRIVER_STOP_COUNT]; /* by reason; [0] = applied */
	uint64_t reattaches;     /* core restarts followed */
	/* the core's view of our state mailbox */
	uint64_t core_state_fresh, core_state_repeat, core_state_torn, core_state_rejected;
	uint64_t core_state_empty;
};

/* The core's status, read as an observer (spinal_driver_status). */
struct spinal_driver_status {
	uint32_t size;
	uint32_t state;          /* SPINAL_STATE_* of the core (region.h) */
	int32_t core_pid;
	uint32_t period_ns;
	uint64_t ticks, overruns, missed_periods, consec_miss_max;
	uint64_t heartbeat_ns;   /* CLOCK_MONOTONIC of the core's last tick */
	uint32_t safe_stop;      /* SPINAL_SAFE_STOP_* latch (stats.h) */
	uint32_t estop;          /* 1: e-stop active (latched or requested) */
	uint32_t goal_reached;
	uint32_t agent_safe_stop; /* spinal-agent requested a safe stop */
	uint32_t agent_core_dead; /* spinal-agent declared the core dead */
	uint32_t agent_attached;  /* a spinal-agent is attached */
	uint64_t stage_p50_ns[8], stage_p99_ns[8], stage_max_ns[8]; /* by enum spinal_stage */
	uint64_t aas[16];        /* interventions by enum spinal_aas_reason */
	float pose_x, pose_y, pose_theta, cmd_v, cmd_omega, goal_x, goal_y;
	uint32_t reserved;
};

/* Defaults into @c (size set).  Any thread. */
void spinal_driver_config_init(struct spinal_driver_config *c);

/*
 * spinal_driver_open - attach to the core as its I/O driver: over the core's
 * socket (SPINAL_ROLE_DRIVER: sealed descriptors, one driver per instance)
 * when the core serves the driver role there, else the /dev/shm regions of a
 * core started with --io shm.  Waits up to c->wait_ms for the core (also
 * while its regions are still being created or replaced; only a permission
 * refusal ends the wait early).  Non-RT thread.  Returns the handle or NULL with errno (ENOENT no such core or not
 * --io shm, EACCES refused / permissions, EPROTO different ABI, EBUSY
 * another driver attached, EINVAL bad config) and the reason in @err.
 */
struct spinal_driver *spinal_driver_open(const struct spinal_driver_config *c, char *err,
					 size_t errlen);

/* Detach (the state mailbox keeps the last sample; its age stops the robot).
 * Non-RT thread.  NULL ok. */
void spinal_driver_close(struct spinal_driver *d);

/*
 * spinal_driver_publish - publish one robot state.  RT-safe.  Returns 0,
 * -EINVAL (size too small, a NaN/Inf field: nothing published, counted) or
 * -ENOTCONN (detached after a failed follow).
 */
int spinal_driver_publish(struct spinal_driver *d, const struct spinal_driver_state *s);

/*
 * spinal_driver_command - read and judge the core's latest command.  Fills
 * @c (v = omega = 0 unless c->stop == SPINAL_DRIVER_GO) and counts the
 * verdict.  Also the driver's heartbeat.  RT-safe.  Returns c->stop (>= 0),
 * or -EINVAL when c->size is too small.
 */
int spinal_driver_command(struct spinal_driver *d, struct spinal_driver_cmd *c);

/*
 * spinal_driver_follow - when the core has been replaced by a new run
 * (restart), attach to the new one; checked at most every 250 ms and only
 * while commands are stale or the core reports stopped (cheap otherwise).
 * Non-RT thread (the driver loop is fine: a few syscalls when it checks).
 * Returns 0 same run, 1 re-attached, or -errno (still the old, dead run:
 * commands stay stale, so the robot stays stopped) with the reason in @err.
 */
int spinal_driver_follow(struct spinal_driver *d, char *err, size_t errlen);

/* The core's loop period (ns) and pid.  Any thread. */
uint32_t spinal_driver_core_period_ns(const struct spinal_driver *d);
int spinal_driver_core_pid(const struct spinal_driver *d);
/* 1 when a spinal_wd kernel watchdog is watched.  Any thread. */
int spinal_driver_kernel_wd(const struct spinal_driver *d);
/* How the regions were attached: "socket" (driver role), "socket+shm" (stats
 * over the socket as an observer, mailboxes in /dev/shm: a core without the
 * driver role), "shm" (all in /dev/shm).  Any thread. */
const char *spinal_driver_attach_mode(const struct spinal_driver *d);

/* Copy the counters (o->size set by the caller).  Any thread.  0 or -EINVAL. */
int spinal_driver_counters(const struct spinal_driver *d, struct spinal_driver_counters *o);

/*
 * spinal_driver_status - the observer role: copy the core's stats (relaxed
 * loads; counters monotonic, histogram percentiles computed here) into @s
 * (s->size set by the caller).  Any non-RT thread.  0 or -EINVAL.
 */
int spinal_driver_status(const struct spinal_driver *d, struct spinal_driver_status *s);

/*
 * spinal_driver_goal - the operator role: send a goal point (map frame, m)
 * to spinal-agent's control API: its UNIX socket <run>/agent/NAME.sock when
 * present (peer credentials decide), else @listen ("ADDR:PORT", NULL:
 * "127.0.0.1:9477") with $SPINAL_AGENT_TOKEN as bearer token when set.
 * Blocks up to @timeout_ms; non-RT thread.  Returns the HTTP status (200
 * accepted by the core, 202 queued, 4xx/5xx refused with the reason in
 * @err) or -errno (agent unreachable).
 */
int spinal_driver_goal(const struct spinal_driver *d, double x, double y, const char *listen,
		       int timeout_ms, char *err, size_t errlen);

/* Name of a stop reason ("go", "no_cmd", "stale_cmd", ...).  Any thread. */
const char *spinal_driver_stop_name(unsigned int stop);
/* Name of an AAS reason as in /metrics ("stale_state", "bumper", ...). */
const char *spinal_driver_aas_reason_name(unsigned int reason);
/* Name of a core state ("running", "stopped", ...). */
const char *spinal_driver_core_state_name(unsigned int state);

#ifdef __cplusplus
}
#endif

#endif /* SPINAL_DRIVER_H */
