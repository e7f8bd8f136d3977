// SPDX-License-Identifier: MIT
/*
 * SPS plan compiler: validated blob -> one NUMA-local arena holding the plan
 * header, the ops, the parameters re-laid out for the kernels (weights
 * transposed and padded) and all per-tick state.  Runs on the updater
 * thread; the RT thread only ever sees finished plans.
 *
 * Arena layout (each part 64-byte aligned):
 *   struct sps_plan + ops[] + bufs[] + buf_pad[] + layer_op[]
 *   parameters (read-only after compile)
 *   state: buffers, v, isyn, temporal context   (zeroed by reset)
 */
#include <errno.h>
#include <numa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spinal/model_blob.h>

#include "rtcore/sps.h"
#include "rtcore/sps_impl.h"

#define ALIGN64(x) (((x) + 63) & ~(size_t)63)

struct arena {
	char *base; /* NULL while sizing */
	size_t off;
};

static void *take(struct arena *a, size_t bytes)
{
	void *p = a->base ? a->base + a->off : NULL;

	a->off += ALIGN64(bytes);
	return p;
}

static float *takef(struct arena *a, size_t nfloats)
{
	return take(a, nfloats * sizeof(float));
}

/*
 * Lay the plan out in `a`.  With a->base == NULL only the size is computed;
 * otherwise every field is filled (the arena is zeroed).
 */
static struct sps_plan *layout(struct arena *a, const void *blob)
{
	const struct spinal_model_hdr *h = blob;
	const uint32_t *bufsz = (const void *)((const char *)blob + h->bufs_off);
	const struct spinal_model_op *bops =
		(const void *)((const char *)blob + h->ops_off);
	const float *data = (const void *)((const char *)blob + h->data_off);
	struct sps_plan *pl;
	unsigned int layer = 0;

	pl = take(a, sizeof(*pl) + h->n_ops * sizeof(struct sps_op));
	float **bufs = take(a, h->n_bufs * sizeof(float *));
	size_t *buf_pad = take(a, h->n_bufs * sizeof(size_t));
	unsigned int *layer_op = take(a, h->n_layers * sizeof(unsigned int) + 1);

	if (pl) {
		pl->n_ops = h->n_ops;
		pl->n_bufs = h->n_bufs;
		pl->n_layers = h->n_layers;
		pl->n_neurons = h->n_neurons;
		pl->n_inputs = h->n_inputs;
		pl->n_outputs = h->n_outputs;
		pl->dt = h->dt;
		pl->bufs = bufs;
		pl->buf_pad = buf_pad;
		pl->layer_op = layer_op;
		pl->ctx_len = h->context_len;
	}

	/* parameters */
	for (unsigned int k = 0; k < h->n_ops; k++) {
		const struct spinal_model_op *bo = &bops[k];
		size_t npad = sps_pad(bo->n_out);
		struct sps_op *op = pl ? &pl->ops[k] : NULL;

		if (op) {
			op->type = bo->type;
			op->flags = bo->flags;
			op->n_in = bo->n_in;
			op->n_out = bo->n_out;
			op->npad = (uint32_t)npad;
		}
		switch (bo->type) {
		case SPINAL_OP_MATVEC: {
			float *w = takef(a, (size_t)bo->n_in * npad);
			float *b = NULL;

			if (bo->flags & SPINAL_OPF_BIAS)
				b = takef(a, npad);
			if (!op)
				break;
			/* blob: W[out][in] row-major; plan: W^T[in][npad] */
			for (size_t j = 0; j < bo->n_out; j++)
				for (size_t i = 0; i < bo->n_in; i++)
					w[i * npad + j] =
						data[bo->param[0] + j * bo->n_in + i];
			if (b)
				memcpy(b, data + bo->param[1],
				       bo->n_out * sizeof(float));
			op->w = w;
			op->b = b;
			break;
		}
		case SPINAL_OP_SCALE: {
			float *s = takef(a, npad);

			if (op) {
				memcpy(s, data + bo->param[0],
				       bo->n_out * sizeof(float));
				op->b = s;
			}
			break;
		}
		case SPINAL_OP_NEURON:
			for (unsigned int p = 0; p < SPINAL_NP_COUNT; p++) {
				float *q = takef(a, npad);

				if (op) {
					memcpy(q, data + bo->param[p],
					       bo->n_out * sizeof(float));
					op->p[p] = q;
				}
			}
			if (pl)
				layer_op[layer] = k;
			layer++;
			break;
		default:
			break;
		}
	}

	/* state: everything from here on is zeroed by sps_plan_reset() */
	char *lo = a->base ? a->base + a->off : NULL;

	for (unsigned int b = 0; b < h->n_bufs; b++) {
		float *q = takef(a, sps_pad(bufsz[b]));

		if (pl) {
			bufs[b] = q;
			buf_pad[b] = sps_pad(bufsz[b]);
		}
	}
	for (unsigned int k = 0; k < h->n_ops; k++) {
		const struct spinal_model_op *bo = &bops[k];
		size_t npad = sps_pad(bo->n_out);

		if (bo->type != SPINAL_OP_NEURON)
			continue;
		float *v = takef(a, npad);
		float *isyn = NULL;

		if (bo->flags & SPINAL_OPF_SYN)
			isyn = takef(a, npad);
		if (pl) {
			pl->ops[k].v = v;
			pl->ops[k].isyn = isyn;
		}
	}
	float *ctx_in = takef(a, (size_t)h->context_len * sps_pad(h->n_inputs));
	float *ctx_out = takef(a, (size_t)h->context_len * sps_pad(h->n_outputs));
	char *hi = a->base ? a->base + a->off : NULL;

	if (pl) {
		pl->ctx_in = ctx_in;
		pl->ctx_out = ctx_out;
		pl->ctx_in_pad = sps_pad(h->n_inputs);
		pl->ctx_out_pad = sps_pad(h->n_outputs);
		pl->state_lo = (float *)lo;
		pl->state_hi = (float *)hi;
		pl->in = bufs[0];
		pl->out = bufs[h->out_buf];
		for (unsigned int k = 0; k < h->n_ops; k++) {
			pl->ops[k].in = bufs[bops[k].in_buf];
			pl->ops[k].out = bufs[bops[k].out_buf];
		}
	}
	return pl;
}

static void arena_free(void *p, size_t bytes, int numa)
{
	if (numa)
		numa_free(p, bytes);
	else
		free(p);
}

struct sps_plan *sps_plan_create(const void *blob, size_t len, int numa_node,
				 char *err, size_t errlen)
{
	struct arena a = { NULL, 0 };
	struct sps_plan *pl;
	void *copy = NULL;
	int numa = 0, ret;
	char *mem;

	/* Validate an aligned private copy: the caller's buffer may be
	 * shared memory or misaligned. */
	if (len > SPINAL_MODEL_MAX_BYTES) {
		snprintf(err, errlen, "model blob: %zu bytes exceeds the %u byte limit",
			 len, SPINAL_MODEL_MAX_BYTES);
		errno = E2BIG;
		return NULL;
	}
	copy = aligned_alloc(64, ALIGN64(len ? len : 1));
	if (!copy) {
		snprintf(err, errlen, "model blob: cannot allocate %zu bytes", len);
		errno = ENOMEM;
		return NULL;
	}
	if (len)
		memcpy(copy, blob, len);
	ret = sps_blob_validate(copy, len, err, errlen);
	if (ret) {
		free(copy);
		errno = -ret;
		return NULL;
	}

	layout(&a, copy);
	if (numa_node >= 0 && numa_available() >= 0) {
		mem = numa_alloc_onnode(a.off, numa_node);
		numa = mem != NULL;
	} else {
		mem = aligned_alloc(64, a.off);
	}
	if (!mem) {
		snprintf(err, errlen, "model plan: cannot allocate %zu bytes on node %d",
			 a.off, numa_node);
		free(copy);
		errno = ENOMEM;
		return NULL;
	}
	memset(mem, 0, a.off); /* zero padding lanes and fault every page in */
	a.base = mem;
	a.off = 0;
	pl = layout(&a, copy);
	pl->arena_bytes = a.off;
	pl->numa_alloc = numa;
	pl->model_id = spinal_model_hash(copy, len);
	free(copy);
	sps_plan_reset(pl);
	return pl;
}

void sps_plan_destroy(struct sps_plan *pl)
{
	if (!pl)
		return;
	arena_free(pl, pl->arena_bytes, pl->numa_alloc);
}

size_t sps_plan_n_inputs(const struct sps_plan *pl)
{
	return pl->n_inputs;
}

size_t sps_plan_n_outputs(const struct sps_plan *pl)
{
	return pl->n_outputs;
}

unsigned int sps_plan_layers(const struct sps_plan *pl)
{
	return pl->n_layers;
}

size_t sps_plan_neurons(const struct sps_plan *pl)
{
	return pl->n_neurons;
}

uint64_t sps_plan_model_id(const struct sps_plan *pl)
{
	return pl->model_id;
}

unsigned int sps_plan_context_len(const struct sps_plan *pl)
{
	return pl->ctx_len;
}

uint64_t sps_plan_ticks(const struct sps_plan *pl)
{
	return pl->ticks;
}

double sps_plan_dt(const struct sps_plan *pl)
{
	return pl->dt;
}

size_t sps_plan_bytes(const struct sps_plan *pl)
{
	return pl->arena_bytes;
}

int sps_plan_layer_state(const struct sps_plan *pl, unsigned int layer,
			 const float **v, const float **z, size_t *n)
{
	const struct sps_op *op;

	if (layer >= pl->n_layers)
		return -ENOENT;
	op = &pl->ops[pl->layer_op[layer]];
	*v = op->v;
	*z = op->out;
	*n = op->n_out;
	return 0;
}
