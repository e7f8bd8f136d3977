/* SPDX-License-Identifier: MIT */
/*
 * Region handoff over a UNIX socket (spinal-core --socket PATH).
 *
 * In socket mode the core's regions are memfds, sealed against shrinking and
 * growing, with no name in /dev/shm.  A peer connects to the core's
 * SOCK_STREAM socket, sends one struct spinal_handoff_req and receives one
 * struct spinal_handoff_resp with the region descriptors attached
 * (SCM_RIGHTS), in the order of resp.kind[].  The core identifies the peer
 * with SO_PEERCRED, not with anything the peer says:
 *
 *   role       who may ask                       descriptors
 *   AGENT      the configured agent uid (gid)    STATS ro, TELEM ro, CONS rw, CFG rw
 *   INSPECTOR  core uid, root, agent uid, or     STATS ro, TELEM ro, CONS ro
 *              a member of the spinal group
 *
 * Read-only descriptors are separate open files (O_RDONLY), so mmap(PROT_WRITE,
 * MAP_SHARED) and mprotect(PROT_WRITE) on them fail with EACCES.  A refused
 * peer gets status -EACCES (or -EPROTO for a malformed request), no
 * descriptors and a one-line reason in msg.  The connection is closed after
 * the reply.  All fields little-endian, fixed width.
 */
#ifndef SPINAL_HANDOFF_H
#define SPINAL_HANDOFF_H

#include <stdint.h>

#define SPINAL_HANDOFF_MAGIC 0x46484e53u /* "SNHF" */
#define SPINAL_HANDOFF_VERSION 1u
#define SPINAL_HANDOFF_MAX_FDS 8u

enum spinal_handoff_role {
	SPINAL_ROLE_AGENT = 1,
	SPINAL_ROLE_INSPECTOR = 2,
	SPINAL_ROLE_DRIVER = 3, /* reserved: the I/O driver peer (state mailbox writable) */
};

struct spinal_handoff_req {
	uint32_t magic;    /* SPINAL_HANDOFF_MAGIC */
	uint16_t version;  /* SPINAL_HANDOFF_VERSION */
	uint16_t role;     /* enum spinal_handoff_role */
	uint32_t reserved[6]; /* 0 */
};

struct spinal_handoff_resp {
	uint32_t magic;    /* SPINAL_HANDOFF_MAGIC */
	uint16_t version;
	uint16_t nfds;     /* descriptors attached */
	int32_t status;    /* 0 or -errno */
	uint32_t writable; /* bit i: descriptor i is read-write */
	uint32_t kind[SPINAL_HANDOFF_MAX_FDS]; /* enum spinal_region_kind per descriptor */
	int32_t core_pid;
	uint32_t reserved[3];
	char msg[128];     /* refusal reason, NUL-terminated */
};

_Static_assert(sizeof(struct spinal_handoff_req) == 32, "request layout");
_Static_assert(sizeof(struct spinal_handoff_resp) == 192, "response layout");

#endif /* SPINAL_HANDOFF_H */
