/* SPDX-License-Identifier: MIT */
/* Core watchdog: process exit through a pidfd, stall through the heartbeat. */
#ifndef SPINAL_USERSPACE_WATCHDOG_H
#define SPINAL_USERSPACE_WATCHDOG_H

#include <stdint.h>
#include <sys/types.h>

#include <spinal/stats.h>

enum wd_event {
	WD_NONE = 0,
	WD_EXITED,    /* core process exited after marking itself stopped */
	WD_DIED,      /* core process exited without a clean stop */
	WD_STALLED,   /* heartbeat older than the stall bound */
	WD_RECOVERED, /* heartbeat moving again after a stall */
};

struct watchdog {
	int pidfd;          /* -1 when pidfd_open is unavailable */
	pid_t pid;
	uint64_t stall_ns;  /* heartbeat age that counts as a stall */
	int gone;           /* process exited */
	int stalled;
	uint64_t stalls;    /* stalls detected (this core) */
	uint64_t deaths;
	uint64_t last_hb_ns;
	uint64_t detect_ns; /* monotonic time of the last exit/stall detection */
};

/*
 * wd_start - watch @pid.  Agent main thread.  Returns 0, or -ESRCH when the
 * process is already gone (stale regions).  Without pidfd support (old
 * kernel, other pid namespace) it falls back to kill(pid, 0) polling.
 */
int wd_start(struct watchdog *w, pid_t pid, uint64_t stall_ns);

/* File descriptor that becomes readable when the core exits, or -1. */
int wd_fd(const struct watchdog *w);

/*
 * wd_check - look at the core once.  @state: STATS header state read once;
 * @now_ns: CLOCK_MONOTONIC.  Returns one enum wd_event, each edge reported
 * once.  Agent main thread.
 */
int wd_check(struct watchdog *w, const struct spinal_stats *st, uint32_t state,
	     uint64_t now_ns);

/* Heartbeat age in ns as last seen (0 when no beat yet). */
uint64_t wd_heartbeat_age(const struct spinal_stats *st, uint64_t now_ns);

void wd_stop(struct watchdog *w);

#endif
