// SPDX-License-Identifier: MIT
/*
 * SPS unit tests: blob validator rejections, plan accessors, step
 * arithmetic for every reset mode and synapse order, input guards, reset,
 * temporal context and the readout convention.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <spinal/model_blob.h>

#include "rtcore/sps.h"

/* --- a tiny blob builder ---------------------------------------------- */

struct bb {
	struct spinal_model_hdr h;
	uint32_t bufs[8];
	struct spinal_model_op ops[8];
	float data[1024];
	size_t nd;
};

static uint32_t put(struct bb *b, const float *v, size_t n)
{
	size_t at = (b->nd + 15) & ~(size_t)15;

	memcpy(b->data + at, v, n * sizeof(float));
	b->nd = at + n;
	return (uint32_t)at;
}

static uint32_t putc1(struct bb *b, float v, size_t n)
{
	float t[64];

	for (size_t i = 0; i < n; i++)
		t[i] = v;
	return put(b, t, n);
}

static struct spinal_model_op *op(struct bb *b, int type, unsigned int in,
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

/* neuron with uniform coefficients */
static void neuron(struct bb *b, unsigned int in, unsigned int out,
		   unsigned int flags, float dm, float bm, float cm, float thr,
		   float vr, float ds, float bs)
{
	struct spinal_model_op *o = op(b, SPINAL_OP_NEURON, in, out, flags);
	size_t n = b->bufs[out];

	o->param[SPINAL_NP_DM] = putc1(b, dm, n);
	o->param[SPINAL_NP_BM] = putc1(b, bm, n);
	o->param[SPINAL_NP_CM] = putc1(b, cm, n);
	o->param[SPINAL_NP_THR] = putc1(b, thr, n);
	o->param[SPINAL_NP_VRESET] = putc1(b, vr, n);
	o->param[SPINAL_NP_DS] = putc1(b, ds, n);
	o->param[SPINAL_NP_BS] = putc1(b, bs, n);
	b->h.n_layers++;
	b->h.n_neurons += (uint32_t)n;
}

/* Serialise; returns a malloc'd, 64-byte aligned blob. */
static void *finish(struct bb *b, unsigned int nbufs, unsigned int out_buf,
		    size_t *len)
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
	memset(blob, 0, *len);
	memcpy(blob, h, sizeof(*h));
	memcpy(blob + sizeof(*h), b->bufs, 4 * nbufs);
	memcpy(blob + off_ops, b->ops, 64 * h->n_ops);
	memcpy(blob + off_data, b->data, 4 * b->nd);
	return blob;
}

/* 2 inputs -> matvec(3x2, bias) -> single LIF layer (3) -> out */
static void *one_layer(unsigned int nflags, float dm, float bm, float thr,
		       float vr, size_t *len)
{
	static struct bb b;
	const float w[6] = { 1, 0, 0, 1, 1, 1 }; /* rows: x0, x1, x0+x1 */
	const float bias[3] = { 0, 0, 0 };
	struct spinal_model_op *o;

	memset(&b, 0, sizeof(b));
	b.bufs[0] = 2;
	b.bufs[1] = 3;
	b.bufs[2] = 3;
	o = op(&b, SPINAL_OP_MATVEC, 0, 1, SPINAL_OPF_BIAS);
	o->param[0] = put(&b, w, 6);
	o->param[1] = put(&b, bias, 3);
	neuron(&b, 1, 2, nflags, dm, bm, 0, thr, vr, 0, 0);
	b.h.context_len = 4;
	return finish(&b, 3, 2, len);
}

static struct sps_plan *mk(void *blob, size_t len)
{
	char err[256];
	struct sps_plan *pl = sps_plan_create(blob, len, -1, err, sizeof(err));

	if (!pl)
		fail_msg("plan: %s", err);
	return pl;
}

static float step1(struct sps_plan *pl, float x0, float x1, float *out)
{
	float in[2] = { x0, x1 };

	assert_int_equal(sps_plan_step(pl, in, 2, out, 3), 0);
	return out[0];
}

/* --- tests -------------------------------------------------------------- */

static void test_accessors(void **state)
{
	size_t len;
	void *blob = one_layer(SPINAL_OPF_SPIKE, 0.5f, 1, 1, 0, &len);
	struct sps_plan *pl = mk(blob, len);

	(void)state;
	assert_int_equal(sps_plan_n_inputs(pl), 2);
	assert_int_equal(sps_plan_n_outputs(pl), 3);
	assert_int_equal(sps_plan_layers(pl), 1);
	assert_int_equal(sps_plan_neurons(pl), 3);
	assert_int_equal(sps_plan_context_len(pl), 4);
	assert_true(sps_plan_model_id(pl) == spinal_model_hash(blob, len));
	assert_true(fabs(sps_plan_dt(pl) - 1e-3) < 1e-9);
	assert_true(sps_plan_bytes(pl) > 0);
	sps_plan_destroy(pl);
	sps_plan_destroy(NULL);
	free(blob);
}

/* v = 0.5 v + x; thr 1; reset to 0.25 */
static void test_lif_reset_value(void **state)
{
	size_t len;
	void *blob = one_layer(SPINAL_OPF_SPIKE |
			       (SPINAL_RESET_VALUE << SPINAL_OPF_RESET_SHIFT),
			       0.5f, 1, 1, 0.25f, &len);
	struct sps_plan *pl = mk(blob, len);
	const float *v, *z;
	float out[3];
	size_t n;

	(void)state;
	assert_int_equal(sps_plan_layer_state(pl, 0, &v, &z, &n), 0);
	assert_int_equal(n, 3);
	step1(pl, 0.8f, 0, out);
	assert_float_equal(v[0], 0.8f, 1e-7);
	assert_float_equal(out[0], 0, 0);
	step1(pl, 0.8f, 0, out); /* 0.4 + 0.8 = 1.2 > 1 */
	assert_float_equal(out[0], 1, 0);
	assert_float_equal(v[0], 0.25f, 0);
	/* v exactly at threshold does not fire (v > thr) */
	sps_plan_reset(pl);
	step1(pl, 1.0f, 0, out);
	assert_float_equal(out[0], 0, 0);
	assert_int_equal(sps_plan_layer_state(pl, 1, &v, &z, &n), -ENOENT);
	sps_plan_destroy(pl);
	free(blob);
}

static void test_lif_reset_subtract(void **state)
{
	size_t len;
	void *blob = one_layer(SPINAL_OPF_SPIKE |
			       (SPINAL_RESET_SUBTRACT << SPINAL_OPF_RESET_SHIFT),
			       0.5f, 1, 1, 0, &len);
	struct sps_plan *pl = mk(blob, len);
	const float *v, *z;
	float out[3];
	size_t n;

	(void)state;
	sps_plan_layer_state(pl, 0, &v, &z, &n);
	step1(pl, 1.5f, 0, out); /* 1.5 > 1: spike, v = 0.5 */
	assert_float_equal(out[0], 1, 0);
	assert_float_equal(v[0], 0.5f, 1e-7);
	sps_plan_destroy(pl);
	free(blob);
}

/* Rockpool / Sinabs: spike counts, z = v >= thr ? floor(v / thr) : 0 */
static void test_lif_reset_subtract_multi(void **state)
{
	size_t len;
	void *blob = one_layer(SPINAL_OPF_SPIKE |
			       (SPINAL_RESET_SUBTRACT_MULTI << SPINAL_OPF_RESET_SHIFT),
			       0.5f, 1, 1, 0, &len);
	struct sps_plan *pl = mk(blob, len);
	const float *v, *z;
	float out[3];
	size_t n;

	(void)state;
	sps_plan_layer_state(pl, 0, &v, &z, &n);
	step1(pl, 3.5f, 0, out); /* three thresholds: z = 3, v = 0.5 */
	assert_float_equal(out[0], 3, 0);
	assert_float_equal(v[0], 0.5f, 1e-7);
	sps_plan_reset(pl);
	step1(pl, 1.0f, 0, out); /* v == thr: one spike (>=), v = 0 */
	assert_float_equal(out[0], 1, 0);
	assert_float_equal(v[0], 0.0f, 0);
	sps_plan_reset(pl);
	step1(pl, 0.75f, 0, out); /* below: none */
	assert_float_equal(out[0], 0, 0);
	assert_float_equal(v[0], 0.75f, 1e-7);
	sps_plan_destroy(pl);
	free(blob);
}

/* snnTorch: v_t = b v_{t-1} + x_t - z_{t-1} thr */
static void test_lif_reset_subtract_delayed(void **state)
{
	size_t len;
	void *blob = one_layer(SPINAL_OPF_SPIKE |
			       (SPINAL_RESET_SUBTRACT_DELAYED
				<< SPINAL_OPF_RESET_SHIFT),
			       0.5f, 1, 1, 0, &len);
	struct sps_plan *pl = mk(blob, len);
	const float *v, *z;
	float out[3];
	size_t n;

	(void)state;
	sps_plan_layer_state(pl, 0, &v, &z, &n);
	step1(pl, 1.5f, 0, out);
	assert_float_equal(out[0], 1, 0);
	assert_float_equal(v[0], 1.5f, 1e-7); /* not reset yet */
	step1(pl, 0.0f, 0, out);              /* 0.75 - 1 = -0.25 */
	assert_float_equal(v[0], -0.25f, 1e-7);
	assert_float_equal(out[0], 0, 0);
	sps_plan_destroy(pl);
	free(blob);
}

/* CubaLI: i = 0.5 i + 2 x; v = 1 v + 1 i (syn first) or uses old i. */
static void test_synapse_order(void **state)
{
	for (int after = 0; after < 2; after++) {
		static struct bb b;
		unsigned int fl = SPINAL_OPF_SYN |
				  (after ? SPINAL_OPF_SYN_AFTER : 0);
		struct sps_plan *pl;
		const float *v, *z;
		float in[1] = { 1 }, out[1];
		size_t len, n;
		void *blob;

		(void)state;
		memset(&b, 0, sizeof(b));
		b.bufs[0] = 1;
		b.bufs[1] = 1;
		neuron(&b, 0, 1, fl, 1, 1, 0, 0, 0, 0.5f, 2);
		blob = finish(&b, 2, 1, &len);
		pl = mk(blob, len);
		sps_plan_layer_state(pl, 0, &v, &z, &n);
		assert_int_equal(sps_plan_step(pl, in, 1, out, 1), 0);
		/* syn first: i = 2, v = 2; after: v = 0, i = 2 */
		assert_float_equal(out[0], after ? 0.0f : 2.0f, 0);
		assert_int_equal(sps_plan_step(pl, in, 1, out, 1), 0);
		/* first: i = 3, v = 5; after: v = 2, i = 3 */
		assert_float_equal(out[0], after ? 2.0f : 5.0f, 0);
		assert_float_equal(z[0], v[0], 0); /* non-spiking: out = v */
		sps_plan_destroy(pl);
		free(blob);
	}
}

static void test_input_guards_and_reset(void **state)
{
	size_t len;
	void *blob = one_layer(SPINAL_OPF_SPIKE, 0.5f, 1, 10, 0, &len);
	struct sps_plan *pl = mk(blob, len);
	const float *v, *z;
	float in[2] = { 1, 2 }, out[4] = { 7, 7, 7, 7 };
	size_t n;

	(void)state;
	sps_plan_layer_state(pl, 0, &v, &z, &n);
	assert_int_equal(sps_plan_step(pl, in, 1, out, 3), -EINVAL);
	assert_int_equal(sps_plan_step(pl, in, 2, out, 2), -EINVAL);
	assert_int_equal(sps_plan_step(pl, in, 2, out, 4), 0);
	assert_float_equal(out[3], 7, 0); /* beyond n_outputs: untouched */
	assert_float_equal(v[2], 3, 1e-6);
	in[1] = NAN;
	assert_int_equal(sps_plan_step(pl, in, 2, out, 3), -EINVAL);
	in[1] = INFINITY;
	assert_int_equal(sps_plan_step(pl, in, 2, out, 3), -EINVAL);
	assert_float_equal(v[2], 3, 1e-6); /* state untouched */
	assert_int_equal(sps_plan_ticks(pl), 1);
	sps_plan_reset(pl);
	assert_int_equal(sps_plan_ticks(pl), 0);
	for (int j = 0; j < 3; j++)
		assert_float_equal(v[j], 0, 0);
	sps_plan_destroy(pl);
	free(blob);
}

static void test_context_and_readout(void **state)
{
	size_t len;
	/* LI: out = v = 0 * v + 1 * x: outputs are the matvec */
	void *blob = one_layer(0, 0.0f, 1, 0, 0, &len);
	struct sps_plan *pl = mk(blob, len);
	const float *ci, *co;
	struct sps_readout r;
	float out[3];

	(void)state;
	assert_int_equal(sps_readout(pl, &r), -ENODATA);
	assert_int_equal(sps_plan_context(pl, 0, &ci, &co), -ENOENT);
	for (int t = 1; t <= 6; t++)
		step1(pl, (float)t, 0.5f, out);
	assert_int_equal(sps_plan_context(pl, 0, &ci, &co), 0);
	assert_float_equal(ci[0], 6, 0);
	assert_float_equal(co[2], 6.5f, 0);
	assert_int_equal(sps_plan_context(pl, 3, &ci, &co), 0);
	assert_float_equal(ci[0], 3, 0);
	assert_int_equal(sps_plan_context(pl, 4, &ci, &co), -ENOENT);
	assert_int_equal(sps_readout(pl, &r), 0);
	assert_float_equal(r.v, 6, 0);
	assert_float_equal(r.omega, 0.5f, 0);
	assert_float_equal(r.confidence, 1.0f, 0); /* 6.5 clamped */
	step1(pl, -2, 0.5f, out);
	sps_readout(pl, &r);
	assert_float_equal(r.confidence, 0.0f, 0); /* -1.5 clamped */
	sps_plan_reset(pl);
	assert_int_equal(sps_plan_context(pl, 0, &ci, &co), -ENOENT);
	sps_plan_destroy(pl);
	free(blob);
}

/* --- validator ----------------------------------------------------------- */

static void expect_reject(void *blob, size_t len, int want, const char *why)
{
	char err[256] = "";
	struct sps_plan *pl;

	assert_int_equal(sps_blob_validate(blob, len, err, sizeof(err)), want);
	assert_true(err[0] != '\0');
	if (why && !strstr(err, why))
		fail_msg("expected '%s' in '%s'", why, err);
	err[0] = '\0';
	pl = sps_plan_create(blob, len, -1, err, sizeof(err));
	assert_null(pl);
	assert_int_equal(errno, -want);
	assert_true(err[0] != '\0');
}

#define HDR(b) ((struct spinal_model_hdr *)(b))
#define OPS(b) ((struct spinal_model_op *)((char *)(b) + HDR(b)->ops_off))
#define DATA(b) ((float *)((char *)(b) + HDR(b)->data_off))
#define BUFS(b) ((uint32_t *)((char *)(b) + HDR(b)->bufs_off))

static void test_validator(void **state)
{
	size_t len;
	void *good = one_layer(SPINAL_OPF_SPIKE, 0.5f, 1, 1, 0, &len);
	char *b = malloc(len + 64);
	char err[256];

	(void)state;
	assert_int_equal(sps_blob_validate(good, len, err, sizeof(err)), 0);
#define MUT(stmt, want, why)                                                   \
	do {                                                                   \
		memcpy(b, good, len);                                          \
		stmt;                                                          \
		expect_reject(b, len, want, why);                              \
	} while (0)
	MUT(HDR(b)->magic ^= 1, -EINVAL, "magic");
	MUT(HDR(b)->abi_major = 2, -EINVAL, "ABI");
	MUT(HDR(b)->total_size += 4, -EINVAL, "total size");
	MUT(HDR(b)->reserved[3] = 1, -EINVAL, "reserved");
	MUT(HDR(b)->n_ops = 0, -E2BIG, "ops");
	MUT(HDR(b)->n_bufs = 1000, -E2BIG, "buffers");
	MUT(HDR(b)->dt = NAN, -EINVAL, "dt");
	MUT(HDR(b)->ops_off = (uint32_t)len, -EINVAL, "section");
	MUT(HDR(b)->data_size += 64, -EINVAL, "section");
	MUT(HDR(b)->n_neurons = 4, -EINVAL, "neurons");
	MUT(HDR(b)->out_buf = 0, -EINVAL, "output buffer");
	MUT(HDR(b)->context_len = 100000, -E2BIG, "context");
	MUT(BUFS(b)[1] = 0, -E2BIG, "width");
	MUT(OPS(b)[0].type = 9, -EINVAL, "unknown type");
	MUT(OPS(b)[0].flags |= 0x100, -EINVAL, "unknown flags");
	MUT(OPS(b)[0].out_buf = 7, -EINVAL, "out of range");
	MUT(OPS(b)[0].out_buf = 0, -EINVAL, "input buffer");
	MUT(OPS(b)[0].n_out = 2, -EINVAL, "do not match");
	MUT(OPS(b)[0].param[0] += 1, -EINVAL, "weight");
	MUT(OPS(b)[0].param[1] = 1u << 30, -EINVAL, "bias");
	MUT(OPS(b)[0].param[5] = 0, -EINVAL, "unused");
	MUT(OPS(b)[0].reserved[0] = 1, -EINVAL, "reserved");
	MUT(OPS(b)[0].flags |= SPINAL_OPF_ACC, -EINVAL, "accumulates");
	MUT(OPS(b)[0].flags |= SPINAL_OPF_SPIKE, -EINVAL, "neuron flags");
	MUT(DATA(b)[OPS(b)[0].param[0]] = NAN, -EINVAL, "weight");
	MUT(DATA(b)[OPS(b)[0].param[0]] = 1e7f, -EINVAL, "weight");
	MUT(DATA(b)[OPS(b)[1].param[SPINAL_NP_DM]] = 1.5f, -EINVAL, "range");
	MUT(DATA(b)[OPS(b)[1].param[SPINAL_NP_THR]] = INFINITY, -EINVAL,
	    "neuron parameter 3");
	MUT(OPS(b)[1].flags |= SPINAL_OPF_SYN_AFTER, -EINVAL, "syn-after");
	/* subtract-multi divides by the threshold: it must be > 0 */
	MUT({
		OPS(b)[1].flags |= SPINAL_RESET_SUBTRACT_MULTI << SPINAL_OPF_RESET_SHIFT;
		DATA(b)[OPS(b)[1].param[SPINAL_NP_THR]] = 0.0f;
	}, -EINVAL, "neuron parameter 3");
	MUT(HDR(b)->convention = SPINAL_CONV_COUNT, -EINVAL, "convention");
	MUT(HDR(b)->reset = SPINAL_RESET_SUBTRACT_MULTI + 1, -EINVAL, "reset");
	MUT(HDR(b)->pad0 = 1, -EINVAL, "reserved");
	MUT(OPS(b)[1].flags |= SPINAL_OPF_ACC, -EINVAL, "accumulate");
	/* dataflow: swap the two ops -> neuron reads before matvec writes */
	MUT({
		struct spinal_model_op t = OPS(b)[0];
		OPS(b)[0] = OPS(b)[1];
		OPS(b)[1] = t;
	}, -EINVAL, "before its last write");
	/* delayed read of a non-neuron buffer: a cycle without state */
	MUT(OPS(b)[1].flags |= SPINAL_OPF_DELAYED, -EINVAL, "without state");
	/* short / oversized / misaligned */
	expect_reject(good, 10, -EINVAL, "shorter");
	assert_int_equal(sps_blob_validate(good, SPINAL_MODEL_MAX_BYTES + 1,
					   err, sizeof(err)), -E2BIG);
	memcpy(b + 4, good, len);
	assert_int_equal(sps_blob_validate(b + 4, len, err, sizeof(err)),
			 -EINVAL);
	/* ...but sps_plan_create() copies, so a misaligned source is fine */
	struct sps_plan *pl = sps_plan_create(b + 4, len, -1, err, sizeof(err));

	assert_non_null(pl);
	sps_plan_destroy(pl);
	free(b);
	free(good);
}

/* delayed (recurrent) read through a neuron: accepted, and gives last
 * tick's spikes */
static void test_recurrent(void **state)
{
	static struct bb b;
	struct spinal_model_op *o;
	struct sps_plan *pl;
	float in[1] = { 2 }, out[1];
	const float one[1] = { 1 };
	size_t len;
	void *blob;

	(void)state;
	memset(&b, 0, sizeof(b));
	b.bufs[0] = 1; /* x */
	b.bufs[1] = 1; /* sum = x + rec(z_prev) */
	b.bufs[2] = 1; /* z */
	b.bufs[3] = 1; /* rec */
	o = op(&b, SPINAL_OP_MATVEC, 2, 3, SPINAL_OPF_DELAYED);
	o->param[0] = put(&b, one, 1);
	op(&b, SPINAL_OP_ADD, 0, 1, 0);
	op(&b, SPINAL_OP_ADD, 3, 1, SPINAL_OPF_ACC);
	/* v = x + rec, thr 2.5, reset 0 */
	neuron(&b, 1, 2, SPINAL_OPF_SPIKE, 0, 1, 0, 2.5f, 0, 0, 0);
	blob = finish(&b, 4, 2, &len);
	pl = mk(blob, len);
	assert_int_equal(sps_plan_step(pl, in, 1, out, 1), 0);
	assert_float_equal(out[0], 0, 0); /* 2 + 0 */
	in[0] = 3;
	assert_int_equal(sps_plan_step(pl, in, 1, out, 1), 0);
	assert_float_equal(out[0], 1, 0); /* 3 + 0 */
	in[0] = 2;
	assert_int_equal(sps_plan_step(pl, in, 1, out, 1), 0);
	assert_float_equal(out[0], 1, 0); /* 2 + 1 (last spike) */
	sps_plan_destroy(pl);
	free(blob);
}

static void test_numa_node(void **state)
{
	size_t len;
	void *blob = one_layer(SPINAL_OPF_SPIKE, 0.5f, 1, 1, 0, &len);
	char err[256];
	struct sps_plan *pl = sps_plan_create(blob, len, 0, err, sizeof(err));
	float out[3];

	(void)state;
	assert_non_null(pl);
	step1(pl, 0.5f, 0.5f, out);
	assert_float_equal(out[2], 0, 0);
	sps_plan_destroy(pl);
	free(blob);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accessors),
		cmocka_unit_test(test_lif_reset_value),
		cmocka_unit_test(test_lif_reset_subtract),
		cmocka_unit_test(test_lif_reset_subtract_delayed),
		cmocka_unit_test(test_lif_reset_subtract_multi),
		cmocka_unit_test(test_synapse_order),
		cmocka_unit_test(test_input_guards_and_reset),
		cmocka_unit_test(test_context_and_readout),
		cmocka_unit_test(test_validator),
		cmocka_unit_test(test_recurrent),
		cmocka_unit_test(test_numa_node),
	};

	return cmocka_run_group_tests_name("sps", tests, NULL, NULL);
}
