/* SPDX-License-Identifier: MIT */
/*
 * spinal-agent attach through spinal-core's handoff socket (--socket PATH):
 * fills the same struct attach as attach_open() (userspace/attach.h) from
 * the descriptors the core passes (STATS, TELEM read-only; CONS, CFG
 * writable).  Call site in the agent, one line:
 *
 *   rc = sock ? attach_open_handoff(&at, sock, name, err, sizeof(err))
 *             : attach_open(&at, name, err, sizeof(err));
 *
 * and attach_handoff_replaced() instead of attach_replaced() in socket mode
 * (memfd regions have no /dev/shm name to compare).
 */
#ifndef SPINAL_USERSPACE_HANDOFF_ATTACH_H
#define SPINAL_USERSPACE_HANDOFF_ATTACH_H

#include <stddef.h>

#include "userspace/attach.h"

/* Agent main thread.  Returns 0 or -errno (as attach_open()) + @err. */
int attach_open_handoff(struct attach *a, const char *socket_path, const char *instance,
			char *err, size_t errlen);

/* Has the core of @a stopped or died?  1 yes, 0 no.  Any thread. */
int attach_handoff_replaced(const struct attach *a);

#endif
