/* SPDX-License-Identifier: MIT */
/*
 * Agent side of the config ring: the producer.  Writes 256-byte messages with
 * increasing sequence numbers and stages blobs (a whole graph) in the staging
 * area followed by a *_COMMIT message.  Single thread of the agent; not RT.
 *
 * Staging is reused: a new blob is only written once the core's consumer
 * index has passed every earlier message (the core releases a slot only after
 * handling it, so by then it has finished copying the previous blob).
 */
#ifndef SPINAL_USERSPACE_CFGSEND_H
#define SPINAL_USERSPACE_CFGSEND_H

#include <stddef.h>
#include <stdint.h>

#include <spinal/config.h>
#include <spinal/ring.h>

struct spinal_cfgsend;

/*
 * spinal_cfgsend_create - @ring: producer side, attached (slot size 256);
 * @staging, @staging_len: the CFG region's staging section; @last_seq: the
 * seq to continue after (the core's sequence window base, config.h, as
 * cfglink_attach() works it out) so a restarted agent is in the window.
 * NULL + errno (EINVAL, ENOMEM).
 */
struct spinal_cfgsend *spinal_cfgsend_create(struct spinal_ring *ring, void *staging,
					     size_t staging_len, uint64_t last_seq);
void spinal_cfgsend_destroy(struct spinal_cfgsend *s);

/* Send one message.  Returns its sequence number (> 0), -EAGAIN (ring full),
 * -EINVAL (len > payload). */
int64_t spinal_cfgsend_msg(struct spinal_cfgsend *s, uint32_t type, uint32_t flags,
			   const void *payload, uint32_t len);

/* Stage @blob and send GRAPH_COMMIT (or MODEL_COMMIT with @type).  Returns the
 * commit's sequence number, -EBUSY (core still reading the ring: retry),
 * -E2BIG (blob larger than the staging area), -EAGAIN (ring full). */
int64_t spinal_cfgsend_blob(struct spinal_cfgsend *s, uint32_t type, const void *blob,
			    size_t len, uint64_t blob_id);

/* Convenience wrappers (return as spinal_cfgsend_msg()). */
int64_t spinal_cfgsend_goal(struct spinal_cfgsend *s, uint32_t id);
int64_t spinal_cfgsend_estop(struct spinal_cfgsend *s, int on);

/* spinal_cfg_digest() of the last message sent: what the core's verdict on
 * it must carry (include/spinal/config.h). */
uint32_t spinal_cfgsend_last_digest(const struct spinal_cfgsend *s);

/* Continue numbering after @base (the core's sequence window base) after
 * the core refused a message for its seq.  Call only when idle. */
void spinal_cfgsend_resync(struct spinal_cfgsend *s, uint64_t base);

/* 1 when the core has consumed (and handled) everything sent so far. */
int spinal_cfgsend_idle(const struct spinal_cfgsend *s);

#endif /* SPINAL_USERSPACE_CFGSEND_H */
