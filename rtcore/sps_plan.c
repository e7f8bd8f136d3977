// SPDX-License-Identifier: MIT
/*
 * SPS plan compiler: validated blob -> one NUMA-local arena holding the plan
 * header, the ops, the parameters re-laid out for the kernels (weights
 * transposed and padded) and all per-tick state.  Runs on the updater
 * thread; the RT thread only ever sees finished plans.
 *
 * Arena layout (each part 64-byte aligned):
 *   struct sps_plan + ops[] + bufs[] + buf_pad[] + layer_op[]
 *   parameters (read-only after compile; a range several slots share whole
 *               is laid out once)
 *   state: buffers, v, isyn, temporal context   (zeroed by reset)
 *
 * The cost model (sps_op_cost(), sps_blob_cost()) and the budgets the core
 * applies before allocating (sps_plan_create_bounded()) live here too:
 * docs/model.md "Cost model".
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

/* One parameter array already laid out: a slot with the same range and
 * shape shares it (sps_param_range(); the validator refused other overlaps). */
struct laid {
	uint64_t start, n;
	uint32_t shape;
	float *at;
};

struct arena {
	char *base; /* NULL while sizing */
	size_t off;
	struct laid *laid; /* n_ops * SPINAL_MODEL_NPARAM entries */
	unsigned int nlaid;
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
 * The plan's copy of parameter slot @p of @bo (@nfloats floats of plan
 * memory): the one laid out before for the same range and shape, or a new
 * one (*fresh = 1: the caller fills it).
 */
static float *take_param(struct arena *a, const struct spinal_model_op *bo, unsigned int p,
			 size_t nfloats, int *fresh)
{
	uint64_t start, n;
	uint32_t shape;
	struct laid *l;

	*fresh = 1;
	if (!sps_param_range(bo, p, &start, &n, &shape))
		return takef(a, nfloats);
	for (unsigned int i = 0; i < a->nlaid; i++) {
		l = &a->laid[i];
		if (l->start == start && l->n == n && l->shape == shape) {
			*fresh = 0;
			return l->at;
		}
	}
	l = &a->laid[a->nlaid++];
	l->start = start;
	l->n = n;
	l->shape = shape;
	l->at = takef(a, nfloats);
	return l->at;
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
			int fw, fb = 0;
			float *w = take_param(a, bo, 0, (size_t)bo->n_in * npad, &fw);
			float *b = NULL;

			if (bo->flags & SPINAL_OPF_BIAS)
				b = take_param(a, bo, 1, npad, &fb);
			if (!op)
				break;
			/* blob: W[out][in] row-major; plan: W^T[in][npad] */
			for (size_t j = 0; fw && j < bo->n_out; j++)
				for (size_t i = 0; i < bo->n_in; i++)
					w[i * npad + j] =
						data[bo->param[0] + j * bo->n_in + i];
			if (b && fb)
				memcpy(b, data + bo->param[1],
				       bo->n_out * sizeof(float));
			op->w = w;
			op->b = b;
			break;
		}
		case SPINAL_OP_SCALE: {
			int f;
			float *s = take_param(a, bo, 0, npad, &f);

			if (op) {
				if (f)
					memcpy(s, data + bo->param[0],
					       bo->n_out * sizeof(float));
				op->b = s;
			}
			break;
		}
		case SPINAL_OP_NEURON:
			for (unsigned int p = 0; p < SPINAL_NP_COUNT; p++) {
				int f;
				float *q = take_param(a, bo, p, npad, &f);

				if (op) {
					if (f)
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

uint64_t sps_op_cost(const struct spinal_model_op *op)
{
	uint64_t npad = sps_pad(op->n_out), c;

	switch (op->type) {
	case SPINAL_OP_MATVEC: /* n_in rows of npad lanes, plus bias or zeroing */
		c = (uint64_t)op->n_in * npad + npad;
		break;
	case SPINAL_OP_NEURON: /* v: 2 multiply-adds, threshold/reset 1, current 2 */
		c = npad * (3u + ((op->flags & SPINAL_OPF_SYN) ? 2u : 0u));
		break;
	default: /* SCALE, ADD: one per lane */
		c = npad;
		break;
	}
	return c + SPS_OP_OVERHEAD_MACS;
}

/* Arena sizing pass (no memory touched but the range table). */
static int arena_size(const void *blob, size_t *bytes)
{
	const struct spinal_model_hdr *h = blob;
	struct arena a = { NULL, 0, NULL, 0 };

	a.laid = malloc((size_t)h->n_ops * SPINAL_MODEL_NPARAM * sizeof(*a.laid));
	if (!a.laid)
		return -ENOMEM;
	layout(&a, blob);
	free(a.laid);
	*bytes = a.off;
	return 0;
}

void sps_blob_cost(const void *blob, struct sps_cost *c)
{
	const struct spinal_model_hdr *h = blob;
	const struct spinal_model_op *ops = (const void *)((const char *)blob + h->ops_off);
	size_t bytes = 0;

	memset(c, 0, sizeof(*c));
	c->n_inputs = h->n_inputs;
	c->n_outputs = h->n_outputs;
	/* the step's own work: input check + copy, outputs, temporal context */
	c->macs = 2u * h->n_inputs + h->n_outputs +
		  (h->context_len ? (uint64_t)h->n_inputs + h->n_outputs : 0);
	for (unsigned int k = 0; k < h->n_ops; k++) {
		uint64_t m = sps_op_cost(&ops[k]);

		c->macs += m;
		if (m > c->worst_op_macs) {
			c->worst_op_macs = m;
			c->worst_op = k;
		}
	}
	c->arena_bytes = arena_size(blob, &bytes) ? UINT64_MAX : bytes;
}

/* "4.1 M" / "512 k" / "96" */
static const char *human(char *buf, size_t len, uint64_t v)
{
	if (v >= 1000000)
		snprintf(buf, len, "%.1f M", (double)v / 1e6);
	else if (v >= 10000)
		snprintf(buf, len, "%.0f k", (double)v / 1e3);
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
	return buf;
}

static struct sps_plan *refuse(struct sps_cost *c, int why, int e, void *copy)
{
	c->refusal = why;
	free(copy);
	errno = e;
	return NULL;
}

/* Shape and budget checks on a validated copy; 0 or the refusal. */
static int check_limits(const void *blob, const struct sps_limits *lim, struct sps_cost *c,
			char *err, size_t errlen)
{
	const struct spinal_model_hdr *h = blob;
	char a[32], b[32];

	if (lim->n_inputs && h->n_inputs != lim->n_inputs) {
		snprintf(err, errlen, "model has %u inputs, the core's features are %u",
			 h->n_inputs, lim->n_inputs);
		return SPS_REFUSE_INPUTS;
	}
	if ((lim->min_outputs && h->n_outputs < lim->min_outputs) ||
	    (lim->max_outputs && h->n_outputs > lim->max_outputs)) {
		snprintf(err, errlen,
			 "model has %u outputs, the control pipeline reads %u..%u (v, omega[, confidence])",
			 h->n_outputs, lim->min_outputs, lim->max_outputs);
		return SPS_REFUSE_OUTPUTS;
	}
	if (lim->max_macs && c->macs > lim->max_macs) {
		snprintf(err, errlen,
			 "model needs %s multiply-adds per tick (op %u alone %s); budget at %u us is %s (docs/model.md, spinal-core --sps-budget-macs)",
			 human(a, sizeof(a), c->macs), c->worst_op,
			 human(b, sizeof(b), c->worst_op_macs), lim->period_us,
			 human((char[32]){ 0 }, 32, lim->max_macs));
		return SPS_REFUSE_WORK;
	}
	if (lim->max_arena_bytes && c->arena_bytes > lim->max_arena_bytes) {
		snprintf(err, errlen,
			 "model plan needs %.1f MiB, the budget is %.1f MiB (spinal-core --sps-max-mb)",
			 (double)c->arena_bytes / 1048576.0,
			 (double)lim->max_arena_bytes / 1048576.0);
		return SPS_REFUSE_MEMORY;
	}
	return SPS_REFUSE_NONE;
}

struct sps_plan *sps_plan_create_bounded(const void *blob, size_t len, int numa_node,
					 const struct sps_limits *lim, struct sps_cost *cost,
					 char *err, size_t errlen)
{
	struct arena a = { NULL, 0, NULL, 0 };
	struct sps_cost own;
	struct sps_plan *pl;
	void *copy = NULL;
	int numa = 0, ret, why;
	char *mem;

	if (!cost)
		cost = &own;
	memset(cost, 0, sizeof(*cost));
	/* Validate an aligned private copy: the caller's buffer may be
	 * shared memory or misaligned. */
	if (len > SPINAL_MODEL_MAX_BYTES) {
		snprintf(err, errlen, "model blob: %zu bytes exceeds the %u byte limit",
			 len, SPINAL_MODEL_MAX_BYTES);
		return refuse(cost, SPS_REFUSE_INVALID, E2BIG, NULL);
	}
	copy = aligned_alloc(64, ALIGN64(len ? len : 1));
	if (!copy) {
		snprintf(err, errlen, "model blob: cannot allocate %zu bytes", len);
		return refuse(cost, SPS_REFUSE_NOMEM, ENOMEM, NULL);
	}
	if (len)
		memcpy(copy, blob, len);
	ret = sps_blob_validate_r(copy, len, err, errlen, &why);
	if (ret)
		return refuse(cost, why, -ret, copy);
	/* every budget before a byte of the plan is allocated */
	sps_blob_cost(copy, cost);
	if (cost->arena_bytes == UINT64_MAX) {
		snprintf(err, errlen, "model plan: cannot size the arena (no memory)");
		return refuse(cost, SPS_REFUSE_NOMEM, ENOMEM, copy);
	}
	if (lim) {
		ret = check_limits(copy, lim, cost, err, errlen);
		if (ret)
			return refuse(cost, ret, ret == SPS_REFUSE_WORK || ret == SPS_REFUSE_MEMORY ?
				      E2BIG : EINVAL, copy);
	}
	a.laid = malloc((size_t)((const struct spinal_model_hdr *)copy)->n_ops *
			SPINAL_MODEL_NPARAM * sizeof(*a.laid));
	if (!a.laid) {
		snprintf(err, errlen, "model plan: cannot allocate the layout table");
		return refuse(cost, SPS_REFUSE_NOMEM, ENOMEM, copy);
	}
	if (numa_node >= 0 && numa_available() >= 0) {
		mem = numa_alloc_onnode(cost->arena_bytes, numa_node);
		numa = mem != NULL;
	} else {
		mem = aligned_alloc(64, cost->arena_bytes);
	}
	if (!mem) {
		snprintf(err, errlen, "model plan: cannot allocate %llu bytes on node %d",
			 (unsigned long long)cost->arena_bytes, numa_node);
		free(a.laid);
		return refuse(cost, SPS_REFUSE_NOMEM, ENOMEM, copy);
	}
	memset(mem, 0, cost->arena_bytes); /* zero padding lanes and fault every page in */
	a.base = mem;
	pl = layout(&a, copy);
	free(a.laid);
	pl->arena_bytes = a.off;
	pl->numa_alloc = numa;
	pl->model_id = spinal_model_hash(copy, len);
	free(copy);
	sps_plan_reset(pl);
	return pl;
}

struct sps_plan *sps_plan_create(const void *blob, size_t len, int numa_node,
				 char *err, size_t errlen)
{
	return sps_plan_create_bounded(blob, len, numa_node, NULL, NULL, err, errlen);
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
