// SPDX-License-Identifier: MIT
/* Reader-side histogram maths: snapshot, quantile, window difference. */
#include <math.h>
#include <string.h>

#include <spinal/hist.h>

void spinal_hist_snapshot(const struct spinal_hist *h, struct spinal_hist_snap *s)
{
	uint64_t n = 0;
	uint32_t i;

	for (i = 0; i < SPINAL_HIST_NBUCKETS; i++) {
		s->bucket[i] = atomic_load_explicit(&h->bucket[i], memory_order_relaxed);
		n += s->bucket[i];
	}
	s->count = n;
	s->sum_ns = atomic_load_explicit(&h->sum_ns, memory_order_relaxed);
	s->max_ns = atomic_load_explicit(&h->max_ns, memory_order_relaxed);
}

uint64_t spinal_hist_quantile(const struct spinal_hist_snap *s, double q)
{
	uint64_t rank, cum = 0, v;
	uint32_t i;

	if (s->count == 0)
		return 0;
	if (!(q > 0))
		q = 0;
	if (q > 1)
		q = 1;
	rank = (uint64_t)ceil(q * (double)s->count);
	if (rank == 0)
		rank = 1;
	for (i = 0; i < SPINAL_HIST_NBUCKETS; i++) {
		cum += s->bucket[i];
		if (cum >= rank)
			break;
	}
	if (i >= SPINAL_HIST_NBUCKETS)
		i = SPINAL_HIST_NBUCKETS - 1;
	v = spinal_hist_upper(i);
	if (s->max_ns && v > s->max_ns)
		v = s->max_ns;
	return v;
}

void spinal_hist_diff(const struct spinal_hist_snap *after,
		      const struct spinal_hist_snap *before, struct spinal_hist_snap *out)
{
	uint64_t n = 0;
	uint32_t i;

	for (i = 0; i < SPINAL_HIST_NBUCKETS; i++) {
		uint64_t a = after->bucket[i], b = before->bucket[i];

		out->bucket[i] = a >= b ? a - b : 0;
		n += out->bucket[i];
	}
	out->count = n;
	out->sum_ns = after->sum_ns >= before->sum_ns ? after->sum_ns - before->sum_ns : 0;
	/* the window's max is not recoverable; bound it by the top non-empty bucket */
	out->max_ns = 0;
	for (i = SPINAL_HIST_NBUCKETS; i-- > 0;) {
		if (out->bucket[i]) {
			out->max_ns = i == SPINAL_HIST_NBUCKETS - 1 ? after->max_ns
								    : spinal_hist_upper(i);
			if (after->max_ns && out->max_ns > after->max_ns)
				out->max_ns = after->max_ns;
			break;
		}
	}
}
