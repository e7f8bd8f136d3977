/* SPDX-License-Identifier: MIT */
/*
 * Fixed log-linear latency histogram, header-only, single writer.
 *
 * Buckets (nanoseconds):
 *   0                  [0, 100)
 *   1 + 90*d + j       [(10+j)*10^(d+1), (11+j)*10^(d+1))   d = 0..5, j = 0..89
 *   SPINAL_HIST_NBUCKETS-1   [100 ms, inf)
 * i.e. 90 linear buckets per decade from 100 ns to 100 ms: every bucket is at
 * most 10% wide relative to its lower edge, and the decimal 1-2-5 edges that
 * Prometheus users expect are all bucket edges.
 *
 * The writer (the RT thread) updates with relaxed load + store, never a locked
 * read-modify-write: it is the only writer.  Readers in other processes load
 * relaxed and accept a histogram that is at most one sample inconsistent
 * (count may run one ahead of the buckets or behind); they derive the count
 * they use from the buckets.
 */
#ifndef SPINAL_HIST_H
#define SPINAL_HIST_H

#include <stdatomic.h>
#include <stdint.h>

#define SPINAL_HIST_PER_DECADE 90
#define SPINAL_HIST_DECADES 6
#define SPINAL_HIST_NBUCKETS (2 + SPINAL_HIST_PER_DECADE * SPINAL_HIST_DECADES)
#define SPINAL_HIST_MIN_NS 100ULL
#define SPINAL_HIST_MAX_NS 100000000ULL

struct spinal_hist {
	_Atomic uint64_t count;
	_Atomic uint64_t sum_ns;
	_Atomic uint64_t max_ns;
	_Atomic uint64_t last_ns;
	_Atomic uint64_t bucket[SPINAL_HIST_NBUCKETS];
} __attribute__((aligned(64)));

/* Bucket index for a sample.  Any thread; RT-safe, no division by zero. */
static inline uint32_t spinal_hist_bucket(uint64_t ns)
{
	uint64_t width = 10;
	uint32_t d = 0;

	if (ns < SPINAL_HIST_MIN_NS)
		return 0;
	if (ns >= SPINAL_HIST_MAX_NS)
		return SPINAL_HIST_NBUCKETS - 1;
	while (ns >= width * 100) {
		width *= 10;
		d++;
	}
	return 1 + d * SPINAL_HIST_PER_DECADE + (uint32_t)(ns / width - 10);
}

/* Lower edge of bucket @b in ns (bucket 0: 0). */
static inline uint64_t spinal_hist_lower(uint32_t b)
{
	uint64_t width = 10;
	uint32_t d, j;

	if (b == 0)
		return 0;
	if (b >= SPINAL_HIST_NBUCKETS - 1)
		return SPINAL_HIST_MAX_NS;
	d = (b - 1) / SPINAL_HIST_PER_DECADE;
	j = (b - 1) % SPINAL_HIST_PER_DECADE;
	while (d--)
		width *= 10;
	return (10 + j) * width;
}

/* Upper edge (exclusive) of bucket @b in ns; UINT64_MAX for the overflow bucket. */
static inline uint64_t spinal_hist_upper(uint32_t b)
{
	if (b >= SPINAL_HIST_NBUCKETS - 1)
		return UINT64_MAX;
	return spinal_hist_lower(b + 1);
}

/* Record one sample.  Single writer only; RT-safe (no RMW, no syscall). */
static inline void spinal_hist_add(struct spinal_hist *h, uint64_t ns)
{
	_Atomic uint64_t *b = &h->bucket[spinal_hist_bucket(ns)];

	atomic_store_explicit(b, atomic_load_explicit(b, memory_order_relaxed) + 1,
			      memory_order_relaxed);
	atomic_store_explicit(&h->sum_ns,
			      atomic_load_explicit(&h->sum_ns, memory_order_relaxed) + ns,
			      memory_order_relaxed);
	if (ns > atomic_load_explicit(&h->max_ns, memory_order_relaxed))
		atomic_store_explicit(&h->max_ns, ns, memory_order_relaxed);
	atomic_store_explicit(&h->last_ns, ns, memory_order_relaxed);
	atomic_store_explicit(&h->count,
			      atomic_load_explicit(&h->count, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

/* A reader's private copy of a histogram. */
struct spinal_hist_snap {
	uint64_t count; /* sum of buckets */
	uint64_t sum_ns;
	uint64_t max_ns;
	uint64_t bucket[SPINAL_HIST_NBUCKETS];
};

/* Copy @h into @s (any thread, any process; reads each field once). */
void spinal_hist_snapshot(const struct spinal_hist *h, struct spinal_hist_snap *s);

/*
 * Value at quantile @q (0..1] of @s: the upper edge of the bucket holding the
 * ceil(q*count)-th sample, clamped to the observed maximum.  So a reported p99
 * is never below the true p99 and at most one bucket (<= 10%) above it.
 * Returns 0 for an empty histogram.
 */
uint64_t spinal_hist_quantile(const struct spinal_hist_snap *s, double q);

/* Subtract @before from @after into @out (samples recorded in a window). */
void spinal_hist_diff(const struct spinal_hist_snap *after,
		      const struct spinal_hist_snap *before, struct spinal_hist_snap *out);

#endif /* SPINAL_HIST_H */
