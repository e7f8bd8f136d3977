// SPDX-License-Identifier: MIT
/*
 * Core watchdog.  Exit is seen through a pidfd (poll()able, race-free against
 * pid reuse); a stall is a heartbeat older than the configured bound while the
 * core says it is running.  The agent turns events into the core_dead and
 * safe_stop_req flags of its agent info (see userspace/agent.c).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <spinal/region.h>

#include "userspace/watchdog.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

int wd_start(struct watchdog *w, pid_t pid, uint64_t stall_ns)
{
	w->pid = pid;
	w->stall_ns = stall_ns;
	w->gone = 0;
	w->stalled = 0;
	w->last_hb_ns = 0;
	w->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (w->pidfd < 0) {
		if (errno == ESRCH)
			return -ESRCH;
		w->pidfd = -1;
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return -ESRCH;
	}
	return 0;
}

int wd_fd(const struct watchdog *w)
{
	return w->pidfd;
}

static int process_gone(struct watchdog *w)
{
	if (w->pidfd >= 0) {
		struct pollfd p = { .fd = w->pidfd, .events = POLLIN };

		return poll(&p, 1, 0) > 0;
	}
	return kill(w->pid, 0) < 0 && errno == ESRCH;
}

uint64_t wd_heartbeat_age(const struct spinal_stats *st, uint64_t now_ns)
{
	uint64_t hb = atomic_load_explicit(&st->heartbeat_ns, memory_order_relaxed);

	return hb && now_ns > hb ? now_ns - hb : 0;
}

int wd_check(struct watchdog *w, const struct spinal_stats *st, uint32_t state,
	     uint64_t now_ns)
{
	uint64_t hb;

	if (w->gone)
		return WD_NONE;
	if (process_gone(w)) {
		w->gone = 1;
		w->detect_ns = now_ns;
		if (state == SPINAL_STATE_STOPPED)
			return WD_EXITED;
		w->deaths++;
		return WD_DIED;
	}
	hb = atomic_load_explicit(&st->heartbeat_ns, memory_order_relaxed);
	if (state != SPINAL_STATE_RUNNING || !hb) {
		/* no beat expected; a stall ends when the core stops cleanly */
		if (w->stalled && state == SPINAL_STATE_STOPPED) {
			w->stalled = 0;
			return WD_RECOVERED;
		}
		return WD_NONE;
	}
	if (hb != w->last_hb_ns) {
		w->last_hb_ns = hb;
		if (w->stalled && now_ns - hb <= w->stall_ns) {
			w->stalled = 0;
			return WD_RECOVERED;
		}
	}
	if (!w->stalled && now_ns > hb && now_ns - hb > w->stall_ns) {
		w->stalled = 1;
		w->stalls++;
		w->detect_ns = now_ns;
		return WD_STALLED;
	}
	return WD_NONE;
}

void wd_stop(struct watchdog *w)
{
	if (w->pidfd >= 0)
		close(w->pidfd);
	w->pidfd = -1;
}
