/* SPDX-License-Identifier: MIT */
/* Telemetry drain: ring -> batch -> durable log -> release slots -> next_seq. */
#ifndef SPINAL_USERSPACE_DRAIN_H
#define SPINAL_USERSPACE_DRAIN_H

#include <stdint.h>

#include <spinal/ring.h>
#include <spinal/shm.h>

#include "userspace/attach.h"
#include "userspace/telemlog.h"

struct drain {
	struct spinal_ring ring;
	struct tlog *log;
	struct spinal_agent_info *ai;
	uint64_t next_seq;      /* after the last entry made durable */
	uint64_t pend_seq;      /* after the last buffered entry */
	uint32_t unreleased;    /* ring slots copied into the batch, not yet released */
	uint32_t pend_records;  /* TICK entries in the batch */
	uint64_t pend_missing;  /* gap counts in the batch */
	uint32_t flush_records; /* flush when this many entries are buffered */
	uint64_t flush_ns;      /* ... or the oldest buffered entry is this old */
	uint64_t batch_t0_ns;
	uint64_t written;       /* TICK entries made durable by this agent */
	uint64_t missing;       /* records reported missing by this agent */
	uint64_t dups;          /* records skipped: seq below next_seq */
	uint64_t invalid;       /* records skipped: not a TICK */
	uint64_t resumed_at;    /* next_seq when we attached */
};

/*
 * drain_init - bind the consumer side of @a's ring and the log @log.
 * Resumes at max(@resume_log, agent_info.next_seq) so nothing is written
 * twice.  Agent main thread.  Returns 0 or -EINVAL/-EBADMSG (ring invalid).
 */
int drain_init(struct drain *d, struct attach *a, struct tlog *log, uint64_t resume_log,
	       uint32_t flush_records, uint64_t flush_ns);

/*
 * drain_step - copy what the ring holds into the batch; flush when the batch
 * is full, old, or holds half the ring.  Agent main thread, @now_ns monotonic.
 * Returns the number of slots consumed, or -errno (log write failure: slots
 * stay in the ring; -EBADMSG: producer position impossible).
 */
int drain_step(struct drain *d, uint64_t now_ns);

/* Readable slots not yet copied into the batch, or -EBADMSG.  Main thread. */
int64_t drain_backlog(struct drain *d);

/* Write the batch, then release its slots, then publish next_seq.  0 or -errno. */
int drain_flush(struct drain *d);

/*
 * drain_tail - the core is gone or stopped and the ring is empty: records
 * [next, @produced) can never arrive; write them as one gap marker and flush.
 * Returns 0 or -errno.
 */
int drain_tail(struct drain *d, uint64_t produced);

/* Change flush policy (config reload). */
void drain_set_policy(struct drain *d, uint32_t flush_records, uint64_t flush_ns);

#endif
