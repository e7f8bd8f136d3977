/* SPDX-License-Identifier: MIT */
/*
 * Building model blobs (include/spinal/model_blob.h) by hand in tests:
 * header, buffer widths, ops and a growing float data area, laid out the way
 * userspace/nir_lower.c does (sections 64-byte aligned, every parameter
 * array on a 16-float boundary).  Used by tests/unit/test_sps_budget.c and
 * tests/hostile/cfg_attack.c.
 */
#ifndef SPINAL_TESTS_MODEL_BUILD_H
#define SPINAL_TESTS_MODEL_BUILD_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <spinal/model_blob.h>

struct mb {
	struct spinal_model_hdr h;
	uint32_t bufs[SPINAL_MODEL_MAX_BUFS];
	struct spinal_model_op ops[SPINAL_MODEL_MAX_OPS];
	float *data;
	size_t nd, cap;
};

/* A zeroed builder (malloc'd: ~16 KiB of ops), or NULL. */
static inline struct mb *mb_new(void)
{
	return calloc(1, sizeof(struct mb));
}

/* Append @n floats of value @v on a 16-float boundary; their float index,
 * or UINT32_MAX when out of memory. */
static inline uint32_t mb_put(struct mb *b, float v, size_t n)
{
	size_t at = (b->nd + 15) & ~(size_t)15;

	if (at + n > b->cap) {
		size_t cap = (at + n) * 2;
		float *d = realloc(b->data, cap * sizeof(float));

		if (!d)
			return UINT32_MAX;
		b->data = d;
		b->cap = cap;
	}
	for (size_t i = b->nd; i < at; i++)
		b->data[i] = 0.0f;
	for (size_t i = 0; i < n; i++)
		b->data[at + i] = v;
	b->nd = at + n;
	return (uint32_t)at;
}

/* The next op (at most SPINAL_MODEL_MAX_OPS), sizes from the buffer widths. */
static inline struct spinal_model_op *mb_op(struct mb *b, int type, unsigned int in,
					    unsigned int out, unsigned int flags)
{
	struct spinal_model_op *o = &b->ops[b->h.n_ops++];

	memset(o, 0, sizeof(*o));
	o->type = (uint16_t)type;
	o->flags = (uint16_t)flags;
	o->in_buf = in;
	o->out_buf = out;
	o->n_in = b->bufs[in];
	o->n_out = b->bufs[out];
	for (int p = 0; p < SPINAL_MODEL_NPARAM; p++)
		o->param[p] = SPINAL_MODEL_NO_PARAM;
	return o;
}

/* A leaky-integrator readout (output v) from buffer @in into @out. */
static inline void mb_li(struct mb *b, unsigned int in, unsigned int out)
{
	struct spinal_model_op *o = mb_op(b, SPINAL_OP_NEURON, in, out, 0);
	size_t n = b->bufs[out];
	static const float val[SPINAL_NP_COUNT] = { 0.9f, 1.0f, 0.0f, 1.0f, 0.0f, 0.0f, 0.0f };

	for (int p = 0; p < SPINAL_NP_COUNT; p++)
		o->param[p] = mb_put(b, val[p], n);
	b->h.n_layers++;
	b->h.n_neurons += (uint32_t)n;
}

/* Serialise and free the builder; a malloc'd, 64-byte aligned blob of *len
 * bytes, or NULL when out of memory. */
static inline void *mb_finish(struct mb *b, unsigned int nbufs, unsigned int out_buf, size_t *len)
{
	struct spinal_model_hdr *h = &b->h;
	size_t off_ops, off_data;
	char *blob;

	h->magic = SPINAL_MODEL_MAGIC;
	h->abi_major = SPINAL_MODEL_ABI_MAJOR;
	h->hdr_size = sizeof(*h);
	h->n_bufs = nbufs;
	h->out_buf = out_buf;
	h->n_inputs = b->bufs[0];
	h->n_outputs = b->bufs[out_buf];
	h->dt = 1e-3f;
	h->bufs_off = sizeof(*h);
	off_ops = (sizeof(*h) + 4 * nbufs + 63) & ~(size_t)63;
	off_data = (off_ops + 64 * h->n_ops + 63) & ~(size_t)63;
	h->ops_off = (uint32_t)off_ops;
	h->data_off = (uint32_t)off_data;
	h->data_size = (uint32_t)(4 * b->nd);
	*len = off_data + 4 * b->nd;
	h->total_size = (uint32_t)*len;
	blob = aligned_alloc(64, (*len + 63) & ~(size_t)63);
	if (blob) {
		memset(blob, 0, *len);
		memcpy(blob, h, sizeof(*h));
		memcpy(blob + sizeof(*h), b->bufs, 4 * nbufs);
		memcpy(blob + off_ops, b->ops, 64 * h->n_ops);
		if (b->nd)
			memcpy(blob + off_data, b->data, 4 * b->nd);
	}
	free(b->data);
	free(b);
	return blob;
}

#endif /* SPINAL_TESTS_MODEL_BUILD_H */
