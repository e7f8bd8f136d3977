/* SPDX-License-Identifier: MIT */
/* Shared by lib/histexport.c (text) and lib/histexport_json.c. */
#ifndef SPINAL_LIB_HISTEXPORT_PRIV_H
#define SPINAL_LIB_HISTEXPORT_PRIV_H

#include <stdint.h>

#include <spinal/hist.h>

/* cyclictest row (us) of spinal bucket @b; UINT64_MAX for the overflow bucket. */
uint64_t spinal_hx_row_of_bucket(uint32_t b);

/* Spinal bucket for "one sample on row @row_us" (see histexport.h). */
uint32_t spinal_hx_bucket_of_row(uint64_t row_us);

/* cyclictest-style summary of @s in us: min, avg, max; samples >= @rows_us. */
void spinal_hx_summary(const struct spinal_hist_snap *s, unsigned int rows_us,
		       uint64_t *min_us, uint64_t *avg_us, uint64_t *max_us,
		       uint64_t *overflows);

/* Put @n samples of unknown value >= @rows_us into the bucket of @max_ns. */
void spinal_hx_add_overflows(struct spinal_hist_snap *s, uint64_t n, uint64_t max_ns);

#endif
