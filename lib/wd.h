/* SPDX-License-Identifier: MIT */
/*
 * Client of the spinal_wd kernel watchdog (include/spinal/wd_uapi.h).
 *
 * The module is optional.  When /dev/spinal_wd is absent (module not loaded,
 * not Linux, no permission) spinal_wd_open() returns NULL with errno set and
 * every other call accepts that NULL and returns SPINAL_WD_NA (-ENODEV), or
 * does nothing, so call sites never #ifdef and never test for the module:
 *
 *   wd = spinal_wd_open(NULL, SPINAL_WD_OWNER);      // NULL: not available
 *   spinal_wd_arm(wd, period_ns, timeout_ns, 0);     // -ENODEV when NULL
 *   ... each tick: spinal_wd_beat(wd);               // no-op when NULL
 *   spinal_wd_close(wd);                             // disarms, NULL ok
 *
 * Supervisors open with SPINAL_WD_SUPERVISOR, poll spinal_wd_fd() (or call
 * spinal_wd_wait()) and spinal_wd_read_trip() when it is readable.
 */
#ifndef SPINAL_LIB_WD_H
#define SPINAL_LIB_WD_H

#include <errno.h>
#include <stdint.h>

#include <spinal/wd_uapi.h>

#define SPINAL_WD_NA (-ENODEV)

enum spinal_wd_role {
	SPINAL_WD_OWNER = 1,      /* arms and beats (spinal-core) */
	SPINAL_WD_SUPERVISOR = 2, /* watches for trips, read-only */
};

struct spinal_wd;

/*
 * spinal_wd_open - open @path (NULL: $SPINAL_WD_DEV or /dev/spinal_wd) in
 * @role, check the ABI major and map the status page.  Non-RT thread.
 * Returns the handle, or NULL with errno: ENODEV no such device (module not
 * loaded), EACCES/EPERM permission, EPROTO ABI major differs, ENOMEM.
 */
struct spinal_wd *spinal_wd_open(const char *path, enum spinal_wd_role role);

/* Non-RT thread.  Disarms (a clean exit is not a trip), unmaps, closes.  NULL ok. */
void spinal_wd_close(struct spinal_wd *wd);

/*
 * spinal_wd_arm - arm (or re-arm, clearing a trip) and map the heartbeat
 * page.  Owner only, non-RT thread (setup).  Returns 0, SPINAL_WD_NA for a
 * NULL handle, -EBUSY another process owns the watchdog, -EINVAL bad limits,
 * -EBADF supervisor handle, or another -errno.
 */
int spinal_wd_arm(struct spinal_wd *wd, uint64_t period_ns, uint64_t timeout_ns,
		  uint32_t miss_budget);

/* Owner, non-RT thread.  Returns 0, SPINAL_WD_NA, or -errno. */
int spinal_wd_disarm(struct spinal_wd *wd);

/*
 * spinal_wd_beat - one heartbeat: a relaxed store into the mapped page, no
 * syscall.  RT-safe; the owner's RT thread only.  No-op when @wd is NULL or
 * not armed.
 */
void spinal_wd_beat(struct spinal_wd *wd, uint64_t now_ns);

/* 1 when @wd is a usable handle, 0 otherwise (NULL).  Any thread. */
int spinal_wd_available(const struct spinal_wd *wd);

/* Descriptor to poll (POLLIN on a trip not yet read), or SPINAL_WD_NA. */
int spinal_wd_fd(const struct spinal_wd *wd);

/*
 * spinal_wd_status - consistent copy of the status page (seqcount read).
 * Any thread, lock-free, RT-safe (bounded retries).  Returns 0,
 * SPINAL_WD_NA, or -EAGAIN when the kernel kept writing.
 */
int spinal_wd_status(const struct spinal_wd *wd, struct spinal_wd_status *st);

/*
 * spinal_wd_wait - wait up to @timeout_ms (-1 forever) for a trip not yet
 * read on this handle and read it into @ev.  Non-RT thread.  Returns 1 a trip
 * was read, 0 timeout, SPINAL_WD_NA, or -errno (-EINTR on a signal).
 */
int spinal_wd_wait(struct spinal_wd *wd, int timeout_ms, struct spinal_wd_status *ev);

/* Non-blocking read of a pending trip.  Returns 1, 0 (none), SPINAL_WD_NA, -errno. */
int spinal_wd_read_trip(struct spinal_wd *wd, struct spinal_wd_status *ev);

/* Names for enum spinal_wd_state / spinal_wd_reason ("?" when unknown). */
const char *spinal_wd_state_name(uint32_t state);
const char *spinal_wd_reason_name(uint32_t reason);

#endif /* SPINAL_LIB_WD_H */
