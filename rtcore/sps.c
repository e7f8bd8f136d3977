// SPDX-License-Identifier: MIT
/*
 * SPS step engine: runs a compiled plan for one tick.  RT thread only: no
 * allocation, no syscall, no lock, no logging; bounded work per tick
 * (proportional to the plan's weights and neurons).
 *
 * Arithmetic contract (mirrored by tools/nir_ref.py, docs/model.md):
 *   matvec  y[j] = b[j] + x[0]*W[j][0] + x[1]*W[j][1] + ...  (in order of i,
 *           float32, terms with x[i] == 0 skipped: exact, they add +-0)
 *   neuron  i = DS*i + BS*x            (SYN; after v with SYN_AFTER)
 *           v = DM*v + BM*i + CM       (i = x without SYN)
 *           SUBTRACT_DELAYED: v -= z_prev * THR
 *           z = v > THR; VALUE: v = z ? VRESET : v; SUBTRACT: v -= z * THR
 *           SUBTRACT_MULTI: z = v >= THR ? min(floor(v / THR), 65536) : 0,
 *           v -= z * THR  (spike counts, Rockpool / Sinabs)
 *           out = z (SPIKE) or v
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "rtcore/sps.h"
#include "rtcore/sps_impl.h"

#define A64(p) __builtin_assume_aligned((p), 64)

void sps_kernel_matvec(const float *restrict wt, const float *restrict bias,
		       const float *restrict x, float *restrict y, size_t n_in,
		       size_t npad, int acc)
{
	float *restrict yy = A64(y);

	if (!acc) {
		if (bias)
			memcpy(yy, bias, npad * sizeof(float));
		else
			memset(yy, 0, npad * sizeof(float));
	}
	for (size_t i = 0; i < n_in; i++) {
		const float xi = x[i];
		const float *restrict w = A64(wt + i * npad);

		if (xi == 0.0f)
			continue; /* spikes are sparse */
		for (size_t j = 0; j < npad; j += SPS_LANES)
			for (size_t l = 0; l < SPS_LANES; l++)
				yy[j + l] += xi * w[j + l];
	}
}

/* One neuron layer; the flag arguments are compile-time constants at every
 * call site, so each combination becomes its own branch-free loop. */
static inline __attribute__((always_inline)) void
neuron_loop(const struct sps_op *op, const int syn, const int after,
	    const int spike, const int rmode)
{
	const float *restrict x = A64(op->in);
	float *restrict out = A64(op->out);
	float *restrict v = A64(op->v);
	float *restrict is = syn ? A64(op->isyn) : NULL;
	const float *restrict dm = A64(op->p[SPINAL_NP_DM]);
	const float *restrict bm = A64(op->p[SPINAL_NP_BM]);
	const float *restrict cm = A64(op->p[SPINAL_NP_CM]);
	const float *restrict thr = A64(op->p[SPINAL_NP_THR]);
	const float *restrict vr = A64(op->p[SPINAL_NP_VRESET]);
	const float *restrict ds = A64(op->p[SPINAL_NP_DS]);
	const float *restrict bs = A64(op->p[SPINAL_NP_BS]);
	const size_t n = op->npad;

	for (size_t j = 0; j < n; j++) {
		float cur = x[j], vv, inew = 0.0f;

		if (syn) {
			inew = ds[j] * is[j] + bs[j] * x[j];
			cur = after ? is[j] : inew;
		}
		vv = dm[j] * v[j] + bm[j] * cur + cm[j];
		if (syn)
			is[j] = inew;
		if (spike) {
			if (rmode == SPINAL_RESET_SUBTRACT_DELAYED)
				vv = vv - out[j] * thr[j];
			float z = vv > thr[j] ? 1.0f : 0.0f;

			if (rmode == SPINAL_RESET_SUBTRACT_MULTI) {
				/* THR > 0 (validator); v >= THR <=> z >= 1 */
				z = vv >= thr[j] ?
					fminf(floorf(vv / thr[j]),
					      SPINAL_MODEL_MAX_SPIKES) : 0.0f;
				vv = vv - z * thr[j];
			}
			if (rmode == SPINAL_RESET_VALUE)
				vv = vv > thr[j] ? vr[j] : vv;
			else if (rmode == SPINAL_RESET_SUBTRACT)
				vv = vv - z * thr[j];
			out[j] = z;
			v[j] = vv;
		} else {
			v[j] = vv;
			out[j] = vv;
		}
	}
}

#define NL(s, a, sp, r) neuron_loop(op, s, a, sp, r)

static void neuron_spiking(const struct sps_op *op, int syn, int after,
			   int rmode)
{
	switch ((syn ? 1 : 0) | (after ? 2 : 0) | (rmode << 2)) {
	case 0 | (SPINAL_RESET_VALUE << 2): NL(0, 0, 1, SPINAL_RESET_VALUE); break;
	case 1 | (SPINAL_RESET_VALUE << 2): NL(1, 0, 1, SPINAL_RESET_VALUE); break;
	case 3 | (SPINAL_RESET_VALUE << 2): NL(1, 1, 1, SPINAL_RESET_VALUE); break;
	case 0 | (SPINAL_RESET_SUBTRACT << 2): NL(0, 0, 1, SPINAL_RESET_SUBTRACT); break;
	case 1 | (SPINAL_RESET_SUBTRACT << 2): NL(1, 0, 1, SPINAL_RESET_SUBTRACT); break;
	case 3 | (SPINAL_RESET_SUBTRACT << 2): NL(1, 1, 1, SPINAL_RESET_SUBTRACT); break;
	case 0 | (SPINAL_RESET_SUBTRACT_DELAYED << 2):
		NL(0, 0, 1, SPINAL_RESET_SUBTRACT_DELAYED); break;
	case 1 | (SPINAL_RESET_SUBTRACT_DELAYED << 2):
		NL(1, 0, 1, SPINAL_RESET_SUBTRACT_DELAYED); break;
	case 3 | (SPINAL_RESET_SUBTRACT_DELAYED << 2):
		NL(1, 1, 1, SPINAL_RESET_SUBTRACT_DELAYED); break;
	case 0 | (SPINAL_RESET_SUBTRACT_MULTI << 2):
		NL(0, 0, 1, SPINAL_RESET_SUBTRACT_MULTI); break;
	case 1 | (SPINAL_RESET_SUBTRACT_MULTI << 2):
		NL(1, 0, 1, SPINAL_RESET_SUBTRACT_MULTI); break;
	case 3 | (SPINAL_RESET_SUBTRACT_MULTI << 2):
		NL(1, 1, 1, SPINAL_RESET_SUBTRACT_MULTI); break;
	}
}

void sps_kernel_neuron(const struct sps_op *op)
{
	const int syn = !!(op->flags & SPINAL_OPF_SYN);
	const int after = !!(op->flags & SPINAL_OPF_SYN_AFTER);
	const int rmode = (op->flags & SPINAL_OPF_RESET_MASK) >>
			  SPINAL_OPF_RESET_SHIFT;

	if (op->flags & SPINAL_OPF_SPIKE) {
		neuron_spiking(op, syn, after, rmode);
		return;
	}
	if (!syn)
		NL(0, 0, 0, 0);
	else if (!after)
		NL(1, 0, 0, 0);
	else
		NL(1, 1, 0, 0);
}

static void elementwise(const struct sps_op *op)
{
	const float *restrict x = A64(op->in);
	const float *restrict s = A64(op->b);
	float *restrict y = A64(op->out);
	const size_t n = op->npad;
	const int acc = !!(op->flags & SPINAL_OPF_ACC);

	if (op->type == SPINAL_OP_SCALE) {
		if (acc)
			for (size_t j = 0; j < n; j++)
				y[j] += s[j] * x[j];
		else
			for (size_t j = 0; j < n; j++)
				y[j] = s[j] * x[j];
	} else {
		if (acc)
			for (size_t j = 0; j < n; j++)
				y[j] += x[j];
		else
			for (size_t j = 0; j < n; j++)
				y[j] = x[j];
	}
}

void sps_plan_reset(struct sps_plan *pl)
{
	memset(pl->state_lo, 0,
	       (size_t)((char *)pl->state_hi - (char *)pl->state_lo));
	pl->ticks = 0;
	pl->ctx_head = 0;
}

int sps_plan_step(struct sps_plan *pl, const float *in, size_t nin,
		  float *out, size_t nout)
{
	int ret = 0;

	if (nin != pl->n_inputs || nout < pl->n_outputs)
		return -EINVAL;
	for (size_t i = 0; i < nin; i++)
		if (!isfinite(in[i]))
			return -EINVAL; /* NaN would poison the state for good */
	memcpy(pl->in, in, nin * sizeof(float));

	for (unsigned int k = 0; k < pl->n_ops; k++) {
		const struct sps_op *op = &pl->ops[k];

		switch (op->type) {
		case SPINAL_OP_MATVEC:
			sps_kernel_matvec(op->w, op->b, op->in, op->out,
					  op->n_in, op->npad,
					  op->flags & SPINAL_OPF_ACC);
			break;
		case SPINAL_OP_NEURON:
			sps_kernel_neuron(op);
			break;
		default:
			elementwise(op);
			break;
		}
	}

	for (size_t j = 0; j < pl->n_outputs; j++) {
		out[j] = pl->out[j];
		if (!isfinite(out[j]))
			ret = -EDOM;
	}
	if (pl->ctx_len) {
		unsigned int h = pl->ctx_head;

		memcpy(pl->ctx_in + h * pl->ctx_in_pad, in, nin * sizeof(float));
		memcpy(pl->ctx_out + h * pl->ctx_out_pad, out,
		       pl->n_outputs * sizeof(float));
		pl->ctx_head = h + 1 == pl->ctx_len ? 0 : h + 1;
	}
	pl->ticks++;
	return ret;
}

int sps_plan_context(const struct sps_plan *pl, unsigned int age,
		     const float **in, const float **out)
{
	unsigned int slot;

	if (age >= pl->ctx_len || age >= pl->ticks)
		return -ENOENT;
	slot = (pl->ctx_head + pl->ctx_len - 1 - age) % pl->ctx_len;
	*in = pl->ctx_in + (size_t)slot * pl->ctx_in_pad;
	*out = pl->ctx_out + (size_t)slot * pl->ctx_out_pad;
	return 0;
}

int sps_readout(const struct sps_plan *pl, struct sps_readout *r)
{
	float c = 1.0f;

	if (pl->n_outputs < 2 || !pl->ticks)
		return -ENODATA;
	r->v = pl->out[SPINAL_MODEL_OUT_V];
	r->omega = pl->out[SPINAL_MODEL_OUT_OMEGA];
	if (pl->n_outputs > 2) {
		c = pl->out[SPINAL_MODEL_OUT_CONFIDENCE];
		c = c < 0.0f ? 0.0f : c > 1.0f ? 1.0f : c;
		if (c != c)
			c = 0.0f;
	}
	r->confidence = c;
	return 0;
}
