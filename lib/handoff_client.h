/* SPDX-License-Identifier: MIT */
/*
 * Peer side of the region handoff (include/spinal/handoff.h): connect to
 * spinal-core's socket, receive the region descriptors, map and validate
 * them.  spinal_region_map() (lib/region_map.h) stays the shm_open path for
 * a core started without --socket.
 */
#ifndef SPINAL_LIB_HANDOFF_CLIENT_H
#define SPINAL_LIB_HANDOFF_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <spinal/handoff.h>

struct spinal_handoff_map {
	uint32_t kind;   /* enum spinal_region_kind */
	int writable;    /* mapped PROT_READ|PROT_WRITE */
	void *base;      /* NULL once taken */
	size_t len;
	ino_t ino;       /* memfd inode: tells one core run from the next */
};

struct spinal_handoff {
	struct spinal_handoff_map map[SPINAL_HANDOFF_MAX_FDS];
	unsigned int n;
	pid_t core_pid;
	uint32_t ignored; /* bit (1 << kind): agent-written region failed its check */
};

/*
 * spinal_handoff_recv - connect to @path, ask for @role, receive the raw
 * response and descriptors (at most SPINAL_HANDOFF_MAX_FDS into @fds, the
 * caller closes them).  Any non-RT thread.  Returns the number of
 * descriptors, or -errno: the core's refusal status (-EACCES, -EPROTO) with
 * its reason in @err, or a connection error (-ENOENT no socket, -ECONNREFUSED
 * no core, -EACCES no permission on the socket file).
 */
int spinal_handoff_recv(const char *path, unsigned int role, struct spinal_handoff_resp *resp,
			int *fds, char *err, size_t errlen);

/*
 * spinal_handoff_attach - spinal_handoff_recv(), then map every descriptor
 * (read-write only where the core said so) and check each region with
 * spinal_region_check(); the descriptors are closed.  Any non-RT thread.
 * An agent-written region (CONS, CFG) that fails the check is left out and
 * flagged in ->ignored (with a note in @err); a core-written one fails the
 * attach.  Returns 0 or -errno with a one-line operator message in @err.
 */
int spinal_handoff_attach(const char *path, unsigned int role, struct spinal_handoff *h,
			  char *err, size_t errlen);

/*
 * spinal_handoff_take - hand the mapping of region @kind over to the caller
 * (who munmap()s it later); NULL if absent.  *lenp gets its length.
 */
void *spinal_handoff_take(struct spinal_handoff *h, uint32_t kind, size_t *lenp);

/* Unmap whatever was not taken.  Safe on a zeroed or detached struct. */
void spinal_handoff_detach(struct spinal_handoff *h);

#endif
