/* SPDX-License-Identifier: MIT */
/*
 * SPS private: the compiled plan.  Shared by sps_plan.c (compiler, updater
 * thread) and sps.c (step engine, RT thread).  Not an ABI.
 *
 * Every float array below is 64-byte aligned and padded to a multiple of
 * SPS_LANES floats; padding lanes hold zero and stay zero, so the inner
 * loops run over whole vectors with no remainder.
 */
#ifndef SPINAL_RTCORE_SPS_IMPL_H
#define SPINAL_RTCORE_SPS_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include <spinal/model_blob.h>

#define SPS_LANES 16 /* floats per 64-byte line */

static inline size_t sps_pad(size_t n)
{
	return (n + SPS_LANES - 1) & ~(size_t)(SPS_LANES - 1);
}

struct sps_op {
	uint16_t type;        /* enum spinal_model_op_type */
	uint16_t flags;       /* SPINAL_OPF_* */
	uint32_t n_in;
	uint32_t n_out;
	uint32_t npad;        /* sps_pad(n_out) */
	const float *in;      /* buffer (padded) */
	float *out;           /* buffer (padded) */
	const float *w;       /* MATVEC: W transposed, n_in rows of npad */
	const float *b;       /* MATVEC bias (npad) or NULL; SCALE: scale */
	const float *p[SPINAL_NP_COUNT]; /* NEURON parameters (npad each) */
	float *v;             /* NEURON membrane voltage */
	float *isyn;          /* NEURON synaptic current (SYN) or NULL */
};

struct sps_plan {
	uint64_t model_id;
	uint64_t ticks;
	size_t arena_bytes;
	int numa_alloc;       /* arena from numa_alloc_onnode() */
	unsigned int n_ops;
	unsigned int n_bufs;
	unsigned int n_layers;
	size_t n_neurons;
	size_t n_inputs;
	size_t n_outputs;
	double dt;
	float *in;            /* buffer 0 */
	const float *out;     /* output buffer */
	float **bufs;         /* n_bufs */
	size_t *buf_pad;      /* n_bufs: padded widths (for reset) */
	unsigned int *layer_op; /* n_layers: op index of each neuron op */
	unsigned int ctx_len;
	unsigned int ctx_head; /* next slot to write */
	size_t ctx_in_pad, ctx_out_pad;
	float *ctx_in;        /* ctx_len * ctx_in_pad */
	float *ctx_out;       /* ctx_len * ctx_out_pad */
	float *state_lo, *state_hi; /* [lo, hi): every float reset zeroes */
	struct sps_op ops[];
};

/* The vectorised kernels (sps.c), also used by the benchmark. */
void sps_kernel_matvec(const float *restrict wt, const float *restrict bias,
		       const float *restrict x, float *restrict y, size_t n_in,
		       size_t npad, int acc);
void sps_kernel_neuron(const struct sps_op *op);

#endif /* SPINAL_RTCORE_SPS_IMPL_H */
