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

/*
 * The parameter array in slot @p of a validated blob op: its float range
 * [*start, *start + *n) in data[] and its layout in the plan (*shape: n_in
 * for a transposed weight matrix, 0 for a plain copy).  Returns 0 when the
 * op does not use slot @p.  Validator and compiler agree through this: two
 * slots may share a range only whole, with the same shape, and then the plan
 * holds one copy (sps_validate.c, sps_plan.c).  New op types add their slots.
 */
static inline int sps_param_range(const struct spinal_model_op *op, unsigned int p,
				  uint64_t *start, uint64_t *n, uint32_t *shape)
{
	*start = op->param[p < SPINAL_MODEL_NPARAM ? p : 0];
	*shape = 0;
	switch (op->type) {
	case SPINAL_OP_MATVEC:
		if (p == 0) {
			*n = (uint64_t)op->n_in * op->n_out;
			*shape = op->n_in;
			return 1;
		}
		*n = op->n_out;
		return p == 1 && (op->flags & SPINAL_OPF_BIAS);
	case SPINAL_OP_SCALE:
		*n = op->n_out;
		return p == 0;
	case SPINAL_OP_NEURON:
		*n = op->n_out;
		return p < SPINAL_NP_COUNT;
	}
	*n = 0;
	return 0;
}

/* sps_blob_validate() that also says which enum sps_refusal (sps.h) a
 * refusal is: SPS_REFUSE_INVALID, _SHARED or _NOMEM. */
int sps_blob_validate_r(const void *blob, size_t len, char *err, size_t errlen, int *refusal);

/* The vectorised kernels (sps.c), also used by the benchmark. */
void sps_kernel_matvec(const float *restrict wt, const float *restrict bias,
		       const float *restrict x, float *restrict y, size_t n_in,
		       size_t npad, int acc);
void sps_kernel_neuron(const struct sps_op *op);

#endif /* SPINAL_RTCORE_SPS_IMPL_H */
