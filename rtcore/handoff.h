/* SPDX-License-Identifier: MIT */
/*
 * Core side of the region handoff (spinal-core --socket PATH): memfd regions
 * sealed against shrink/grow, a UNIX socket server that checks SO_PEERCRED
 * and passes read-only or read-write descriptors with SCM_RIGHTS.  The wire
 * format is include/spinal/handoff.h; the peer side is lib/handoff_client.h.
 *
 * Order in spinal-core (main thread):
 *   handoff_create()          resolve users and groups (needs NSS: early)
 *   handoff_region_create()   x4, instead of core_region_create()
 *   handoff_listen()          bind + chmod/chown the socket (before the drop)
 *   privsep_drop()
 *   handoff_start()           server thread (inherits the dropped credentials)
 *   ...
 *   handoff_destroy()
 */
#ifndef SPINAL_RTCORE_HANDOFF_H
#define SPINAL_RTCORE_HANDOFF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "rtcore/shm.h"

struct handoff_cfg {
	const char *path;       /* socket path (required) */
	mode_t mode;            /* socket file mode; 0: 0660 */
	const char *group;      /* socket group and inspector group; NULL: "spinal" */
	const char *agent_user; /* the only uid given writable descriptors; NULL: "spinal" */
	int no_unlink;          /* leave the socket file at exit (seccomp forbids unlink;
				 * the next core replaces a stale one) */
	int quiet;
};

struct handoff_counts {
	uint64_t served_agent, served_inspector, refused;
};

struct handoff;

/*
 * handoff_create - resolve the agent user and the group.  Main thread, setup.
 * Returns the handle or NULL + errno (ENOENT: unknown user, ENOMEM) with a
 * one-line reason in @err.
 */
struct handoff *handoff_create(const struct handoff_cfg *cfg, char *err, size_t errlen);

/*
 * handoff_region_create - like core_region_create() but a memfd: no name in
 * /dev/shm, mode 0600 (so a peer cannot reopen it writable through
 * /proc/self/fd), sealed F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_SEAL, plus a
 * separate O_RDONLY descriptor for read-only peers.  At most 4 regions.
 * Main thread, setup, before privsep_drop().  Returns 0 or -errno + @err.
 */
int handoff_region_create(struct handoff *h, struct core_region *r, const char *instance,
			  uint32_t kind, const struct core_sect_spec *spec, unsigned int n,
			  char *err, size_t errlen);

/*
 * handoff_listen - create the listening socket: refuse (-EBUSY) when a live
 * core answers on the path, replace a stale socket file, bind, set mode and
 * group, listen.  Main thread, before privsep_drop().  Returns 0 or -errno.
 */
int handoff_listen(struct handoff *h, char *err, size_t errlen);

/*
 * handoff_start - start the server thread ("spinal-handoff", SCHED_OTHER,
 * small stack, inherits the caller's CPU mask and credentials).  Main
 * thread, after privsep_drop().  Returns 0 or -errno.
 */
int handoff_start(struct handoff *h);

/* Counters (approximate while running).  Any thread. */
void handoff_counts(const struct handoff *h, struct handoff_counts *c);

/* Stop the thread, close every descriptor, remove the socket file if we
 * still may.  Regions are unmapped by core_region_close().  NULL: no-op. */
void handoff_destroy(struct handoff *h);

#endif /* SPINAL_RTCORE_HANDOFF_H */
