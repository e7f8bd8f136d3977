/* SPDX-License-Identifier: MIT */
/*
 * Attach to one core instance: STATS + TELEM read-only, CONS read-write, and
 * the config ring region CFG read-write when the core offers it (optional:
 * without it the agent still drains telemetry; the control API answers 503).
 */
#ifndef SPINAL_USERSPACE_ATTACH_H
#define SPINAL_USERSPACE_ATTACH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <spinal/region.h>
#include <spinal/ring.h>
#include <spinal/shm.h>
#include <spinal/stats.h>

#include "userspace/telemlog.h"

struct attach {
	char instance[SPINAL_NAME_MAX];
	const struct spinal_region_hdr *stats_hdr;
	size_t stats_len;
	const struct spinal_stats *stats;
	const struct spinal_region_hdr *telem_hdr;
	size_t telem_len;
	struct spinal_region_hdr *cons_hdr;
	size_t cons_len;
	struct spinal_ring_idx *prod; /* in TELEM: read-only for us */
	struct spinal_ring_idx *cons; /* in CONS: ours */
	void *slots;
	uint64_t slots_bytes;
	uint32_t nslots, slot_size;
	struct spinal_agent_info *ai;
	/* config ring (agent -> core); cfg_hdr NULL when not mapped (cfg_err says why) */
	struct spinal_region_hdr *cfg_hdr;
	size_t cfg_len;
	struct spinal_ring_idx *cfg_prod;  /* ours */
	struct spinal_ring_idx *cfg_cons;  /* in STATS: the core's, read-only */
	void *cfg_slots;
	uint64_t cfg_slots_bytes;
	uint32_t cfg_nslots;
	void *staging;
	uint64_t staging_len;
	char cfg_err[256];
	struct tlog_core_id id;       /* who created the regions */
	ino_t stats_ino;              /* to notice a replaced region */
	int mapped;
};

/*
 * attach_open - map the three regions of @instance and validate them.
 * Agent main thread.  Returns 0, or a negative errno with a one-line reason
 * in @err:  -ENOENT  not there (yet): wait;  -EAGAIN  core still creating;
 *           -ENOTSUP/-EPROTO/-EBADMSG  a region we do not understand;
 *           -EACCES  permissions.
 */
int attach_open(struct attach *a, const char *instance, char *err, size_t errlen);

/*
 * attach_finish - find and validate the sections of the STATS, TELEM and
 * CONS regions already mapped in @a (by name or from the handoff socket);
 * @what names them in errors.  Returns 0 or -errno with a reason in @err.
 */
int attach_finish(struct attach *a, const char *what, char *err, size_t errlen);

/*
 * attach_cfg - adopt the mapped CFG region @cfg (NULL: none) as the config
 * ring, after checking it belongs to the same core run and has the expected
 * geometry; on failure it is unmapped and a->cfg_err says why (the agent still
 * drains telemetry without it).
 */
void attach_cfg(struct attach *a, struct spinal_region_hdr *cfg, size_t len);

/* Unmap everything.  Safe on a closed or zeroed struct. */
void attach_close(struct attach *a);

/*
 * attach_replaced - has the STATS object been removed or replaced by a new
 * core since attach_open()?  Returns 1 yes, 0 no.  Any thread.
 */
int attach_replaced(const struct attach *a);

/* Core state as read once from the STATS header. */
uint32_t attach_state(const struct attach *a);

#endif
