// SPDX-License-Identifier: MIT
/*
 * Telemetry drain.  Ordering that makes the log durable against an agent
 * crash: (1) copy records out of the ring into a private batch, (2) write the
 * batch (one write()), (3) only then release the ring slots, (4) then publish
 * next_seq in the agent info.  A SIGKILL between any two steps loses nothing
 * still in the ring; a restarted agent skips seq < next_seq (and < the last
 * seq found in the newest log file), so nothing is written twice.
 *
 * seq is the core's tick number and every tick consumes one, dropped or not,
 * so a jump in seq is exactly the number of records that never reached us.
 */
#include <errno.h>
#include <string.h>

#include <spinal/telemetry.h>

#include "userspace/drain.h"

int drain_init(struct drain *d, struct attach *a, struct tlog *log, uint64_t resume_log,
	       uint32_t flush_records, uint64_t flush_ns)
{
	uint64_t ai_next;
	int rc;

	memset(d, 0, sizeof(*d));
	rc = spinal_ring_attach(&d->ring, a->prod, a->cons, a->slots, a->nslots, a->slot_size,
				a->slots_bytes, 0);
	if (rc)
		return rc;
	d->log = log;
	d->ai = a->ai;
	ai_next = atomic_load_explicit(&d->ai->next_seq, memory_order_relaxed);
	d->next_seq = ai_next > resume_log ? ai_next : resume_log;
	d->pend_seq = d->next_seq;
	d->resumed_at = d->next_seq;
	drain_set_policy(d, flush_records, flush_ns);
	return 0;
}

void drain_set_policy(struct drain *d, uint32_t flush_records, uint64_t flush_ns)
{
	d->flush_records = flush_records ? flush_records : 1;
	d->flush_ns = flush_ns;
}

int drain_flush(struct drain *d)
{
	int rc;

	if (!tlog_pending(d->log) && !d->unreleased)
		return 0;
	rc = tlog_flush(d->log);
	if (rc)
		return rc;
	if (d->unreleased)
		spinal_ring_cons_release(&d->ring, d->unreleased);
	d->unreleased = 0;
	d->next_seq = d->pend_seq;
	d->written += d->pend_records;
	d->missing += d->pend_missing;
	/* Published after the write and the release; readers (core, inspector,
	 * next agent) take them as hints, each field on its own. */
	atomic_store_explicit(&d->ai->written,
			      atomic_load_explicit(&d->ai->written, memory_order_relaxed) +
				      d->pend_records,
			      memory_order_relaxed);
	atomic_store_explicit(&d->ai->missing,
			      atomic_load_explicit(&d->ai->missing, memory_order_relaxed) +
				      d->pend_missing,
			      memory_order_relaxed);
	atomic_store_explicit(&d->ai->next_seq, d->next_seq, memory_order_release);
	d->pend_records = 0;
	d->pend_missing = 0;
	return 0;
}

static int batch_due(const struct drain *d, uint64_t now_ns)
{
	unsigned int n = tlog_pending(d->log);

	if (n >= d->flush_records || d->unreleased >= d->ring.nslots / 2)
		return 1;
	return (n || d->unreleased) && now_ns - d->batch_t0_ns >= d->flush_ns;
}

static void mark_batch_start(struct drain *d, uint64_t now_ns)
{
	if (!tlog_pending(d->log) && !d->unreleased)
		d->batch_t0_ns = now_ns;
}

/*
 * Slots readable past our released position, including those already copied
 * into the batch (d->unreleased).  Re-reads the producer position every
 * time: the ring's cached peer is only refreshed when it looks empty, which
 * would cap a batch at what was there at the first look.
 */
static int64_t ring_readable(struct drain *d)
{
	/* A2': pairs with R1 in spinal_ring_prod_commit(), like A2 in cons_avail */
	uint32_t p = atomic_load_explicit(&d->ring.prod->pos, memory_order_acquire);
	uint32_t n = p - d->ring.local;

	if (n > d->ring.nslots) {
		d->ring.invalid++;
		return -EBADMSG;
	}
	d->ring.peer = p;
	return n;
}

int drain_step(struct drain *d, uint64_t now_ns)
{
	struct spinal_telem_rec rec;
	int64_t avail;
	int consumed = 0, rc;

	avail = ring_readable(d);
	if (avail < 0)
		return (int)avail;
	while (d->unreleased < avail) {
		/* the log buffer holds flush_records + 2: room for a gap and this record */
		if (tlog_pending(d->log) >= d->flush_records) {
			rc = drain_flush(d);
			if (rc)
				return rc;
			avail = ring_readable(d);
			if (avail < 0)
				return (int)avail;
			continue;
		}
		mark_batch_start(d, now_ns);
		memcpy(&rec, spinal_ring_cons_peek(&d->ring, d->unreleased), sizeof(rec));
		d->unreleased++;
		consumed++;
		if (rec.kind != SPINAL_REC_TICK) {
			d->invalid++;
			continue;
		}
		if (rec.seq < d->pend_seq) {
			d->dups++;
			continue;
		}
		if (rec.seq > d->pend_seq) {
			rc = tlog_gap(d->log, d->pend_seq, rec.seq - d->pend_seq);
			if (rc)
				return rc;
			d->pend_missing += rec.seq - d->pend_seq;
		}
		rc = tlog_append(d->log, &rec);
		if (rc)
			return rc;
		d->pend_records++;
		d->pend_seq = rec.seq + 1;
	}
	if (batch_due(d, now_ns)) {
		rc = drain_flush(d);
		if (rc)
			return rc;
	}
	return consumed;
}

/* Slots readable that are not yet in the batch (0 when drained). */
int64_t drain_backlog(struct drain *d)
{
	int64_t n = ring_readable(d);

	return n < 0 ? n : n - d->unreleased;
}

int drain_tail(struct drain *d, uint64_t produced)
{
	int rc;

	if (produced > d->pend_seq) {
		if (tlog_pending(d->log) >= d->flush_records) {
			rc = drain_flush(d);
			if (rc)
				return rc;
		}
		rc = tlog_gap(d->log, d->pend_seq, produced - d->pend_seq);
		if (rc)
			return rc;
		d->pend_missing += produced - d->pend_seq;
		d->pend_seq = produced;
	}
	return drain_flush(d);
}
