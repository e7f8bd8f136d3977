// SPDX-License-Identifier: MIT
/*
 * Model blob validator.  The blob is untrusted (it came through shared
 * memory from the unprivileged agent): every count, size, offset, index and
 * float is checked before the plan compiler reads anything.  The caller has
 * already copied the blob into private memory (no double fetch).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spinal/model_blob.h>

#include "rtcore/sps.h"
#include "rtcore/sps_impl.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the model blob is little-endian; add byte swapping for this host"
#endif

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Is [off, off + n * size) inside [0, len)? */
static int in_bounds(uint64_t off, uint64_t n, uint64_t size, uint64_t len)
{
	return off <= len && n * size <= len - off;
}

static int all_zero(const uint32_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* A parameter array of n floats at float index idx of the data area. */
static int check_param(const struct spinal_model_hdr *h, const float *data,
		       uint32_t idx, uint64_t n, float lo, float hi)
{
	uint64_t nfl = h->data_size / 4;

	if (idx == SPINAL_MODEL_NO_PARAM || idx % SPINAL_MODEL_ALIGN_FLOATS)
		return 0;
	if (idx > nfl || n > nfl - idx)
		return 0;
	for (uint64_t i = 0; i < n; i++) {
		float x = data[idx + i];

		if (!isfinite(x) || x < lo || x > hi)
			return 0;
	}
	return 1;
}

static const float M = SPINAL_MODEL_MAX_ABS;

static int check_op_params(const struct spinal_model_hdr *h, const float *data,
			   const struct spinal_model_op *op, unsigned int k,
			   char *err, size_t errlen)
{
	unsigned int used = 0;
	uint32_t fl = op->flags;

	switch (op->type) {
	case SPINAL_OP_MATVEC:
		if ((uint64_t)op->n_in * op->n_out > SPINAL_MODEL_MAX_WEIGHTS)
			return fail(err, errlen, "op %u: %u x %u weights exceed %u",
				    k, op->n_out, op->n_in,
				    SPINAL_MODEL_MAX_WEIGHTS);
		if (!check_param(h, data, op->param[0],
				 (uint64_t)op->n_in * op->n_out, -M, M))
			return fail(err, errlen,
				    "op %u: weight array out of bounds, misaligned or not finite",
				    k);
		used = 1;
		if (fl & SPINAL_OPF_BIAS) {
			if (!check_param(h, data, op->param[1], op->n_out, -M, M))
				return fail(err, errlen,
					    "op %u: bias array out of bounds, misaligned or not finite",
					    k);
			used = 2;
		}
		break;
	case SPINAL_OP_SCALE:
		if (!check_param(h, data, op->param[0], op->n_out, -M, M))
			return fail(err, errlen,
				    "op %u: scale array out of bounds, misaligned or not finite",
				    k);
		used = 1;
		break;
	case SPINAL_OP_ADD:
		break;
	case SPINAL_OP_NEURON:
		used = SPINAL_NP_COUNT;
		for (unsigned int p = 0; p < SPINAL_NP_COUNT; p++) {
			float lo = -M, hi = M;

			if (p == SPINAL_NP_DM || p == SPINAL_NP_DS) {
				lo = 0.0f; /* decays: stable forward Euler */
				hi = 1.0f;
			}
			if (p == SPINAL_NP_THR && (fl & SPINAL_OPF_SPIKE) &&
			    ((fl & SPINAL_OPF_RESET_MASK) >>
			     SPINAL_OPF_RESET_SHIFT) == SPINAL_RESET_SUBTRACT_MULTI)
				lo = 1e-6f; /* z = floor(v / THR) */
			if (!check_param(h, data, op->param[p], op->n_out, lo,
					 hi))
				return fail(err, errlen,
					    "op %u: neuron parameter %u out of bounds, misaligned, not finite or out of range",
					    k, p);
		}
		break;
	}
	for (unsigned int p = used; p < SPINAL_MODEL_NPARAM; p++)
		if (op->param[p] != SPINAL_MODEL_NO_PARAM)
			return fail(err, errlen,
				    "op %u: unused parameter slot %u must be 0x%x",
				    k, p, SPINAL_MODEL_NO_PARAM);
	return 0;
}

static int check_op_shape(const struct spinal_model_hdr *h,
			  const uint32_t *bufsz, const struct spinal_model_op *op,
			  unsigned int k, char *err, size_t errlen)
{
	uint32_t fl = op->flags;

	if (op->type < SPINAL_OP_MATVEC || op->type > SPINAL_OP_NEURON)
		return fail(err, errlen, "op %u: unknown type %u", k, op->type);
	if (fl & ~SPINAL_OPF_ALL)
		return fail(err, errlen, "op %u: unknown flags 0x%x", k, fl);
	if (op->type != SPINAL_OP_NEURON &&
	    (fl & (SPINAL_OPF_SYN | SPINAL_OPF_SPIKE | SPINAL_OPF_SYN_AFTER |
		   SPINAL_OPF_RESET_MASK)))
		return fail(err, errlen, "op %u: neuron flags on a non-neuron op",
			    k);
	if (op->type != SPINAL_OP_MATVEC && (fl & SPINAL_OPF_BIAS))
		return fail(err, errlen, "op %u: bias flag on a non-matvec op", k);
	if (op->type == SPINAL_OP_NEURON) {
		if (fl & SPINAL_OPF_ACC)
			return fail(err, errlen,
				    "op %u: a neuron op cannot accumulate", k);
		if ((fl & SPINAL_OPF_SYN_AFTER) && !(fl & SPINAL_OPF_SYN))
			return fail(err, errlen,
				    "op %u: syn-after without synaptic state", k);
	}
	if (op->in_buf >= h->n_bufs || op->out_buf >= h->n_bufs)
		return fail(err, errlen, "op %u: buffer index out of range", k);
	if (op->out_buf == 0)
		return fail(err, errlen, "op %u: writes the input buffer", k);
	if (op->in_buf == op->out_buf)
		return fail(err, errlen, "op %u: reads and writes buffer %u", k,
			    op->in_buf);
	if (op->n_in != bufsz[op->in_buf] || op->n_out != bufsz[op->out_buf])
		return fail(err, errlen,
			    "op %u: sizes %u -> %u do not match buffers %u -> %u",
			    k, op->n_in, op->n_out, bufsz[op->in_buf],
			    bufsz[op->out_buf]);
	if (op->type != SPINAL_OP_MATVEC && op->n_in != op->n_out)
		return fail(err, errlen, "op %u: elementwise op with %u -> %u",
			    k, op->n_in, op->n_out);
	if (!all_zero(op->reserved, 3))
		return fail(err, errlen, "op %u: reserved fields not zero", k);
	return 0;
}

/*
 * Dataflow rules (the "topological order" check):
 *  - every buffer but 0 is written; the first write in program order
 *    assigns, later writes accumulate (SPINAL_OPF_ACC);
 *  - a neuron op is the only writer of its output buffer (its state);
 *  - an undelayed read comes after the last write of that buffer;
 *  - a delayed read comes before the first write of that buffer, and that
 *    buffer belongs to a neuron op: every cycle passes through state.
 */
static int check_dataflow(const struct spinal_model_hdr *h,
			  const struct spinal_model_op *ops, char *err,
			  size_t errlen)
{
	int first[SPINAL_MODEL_MAX_BUFS], last[SPINAL_MODEL_MAX_BUFS];
	int nwrites[SPINAL_MODEL_MAX_BUFS], neuron[SPINAL_MODEL_MAX_BUFS];

	for (unsigned int b = 0; b < h->n_bufs; b++) {
		first[b] = last[b] = -1;
		nwrites[b] = neuron[b] = 0;
	}
	for (unsigned int k = 0; k < h->n_ops; k++) {
		const struct spinal_model_op *op = &ops[k];
		uint32_t b = op->out_buf;
		int acc = !!(op->flags & SPINAL_OPF_ACC);

		if (first[b] < 0 && acc)
			return fail(err, errlen,
				    "op %u: first write of buffer %u accumulates",
				    k, b);
		if (first[b] >= 0 && !acc)
			return fail(err, errlen,
				    "op %u: buffer %u assigned twice", k, b);
		if (first[b] < 0)
			first[b] = (int)k;
		last[b] = (int)k;
		nwrites[b]++;
		if (op->type == SPINAL_OP_NEURON)
			neuron[b] = 1;
	}
	for (unsigned int b = 1; b < h->n_bufs; b++) {
		if (!nwrites[b])
			return fail(err, errlen, "buffer %u is never written", b);
		if (neuron[b] && nwrites[b] != 1)
			return fail(err, errlen,
				    "buffer %u: neuron state written by other ops",
				    b);
	}
	for (unsigned int k = 0; k < h->n_ops; k++) {
		const struct spinal_model_op *op = &ops[k];
		uint32_t b = op->in_buf;

		if (b == 0)
			continue;
		if (op->flags & SPINAL_OPF_DELAYED) {
			if (!neuron[b])
				return fail(err, errlen,
					    "op %u: delayed read of buffer %u that holds no neuron state (cycle without state)",
					    k, b);
			if (first[b] <= (int)k)
				return fail(err, errlen,
					    "op %u: delayed read of buffer %u after it is written",
					    k, b);
		} else if (last[b] >= (int)k) {
			return fail(err, errlen,
				    "op %u: reads buffer %u before its last write (not in topological order)",
				    k, b);
		}
	}
	return 0;
}

struct prange {
	uint64_t start, n;
	uint32_t shape;
	uint16_t op, slot;
};

static int prange_cmp(const void *a, const void *b)
{
	const struct prange *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->op != y->op ? (x->op < y->op ? -1 : 1) : (x->slot < y->slot ? -1 : 1);
}

/*
 * Parameter ranges may be shared only whole (same start, length and shape:
 * the plan then holds one copy); any other overlap is refused, so the plan
 * never holds more parameter bytes than the blob, padding aside.
 */
static int check_shared(const struct spinal_model_hdr *h, const struct spinal_model_op *ops,
			char *err, size_t errlen)
{
	struct prange *r = malloc((size_t)h->n_ops * SPINAL_MODEL_NPARAM * sizeof(*r));
	unsigned int n = 0, i, cover = 0;
	uint64_t end = 0;
	int ret = 0;

	if (!r) {
		fail(err, errlen, "model blob: cannot allocate the parameter range table");
		return -ENOMEM;
	}

	for (unsigned int k = 0; k < h->n_ops; k++)
		for (unsigned int p = 0; p < SPINAL_MODEL_NPARAM; p++) {
			struct prange *q = &r[n];

			if (!sps_param_range(&ops[k], p, &q->start, &q->n, &q->shape))
				continue;
			q->op = (uint16_t)k;
			q->slot = (uint16_t)p;
			n++;
		}
	qsort(r, n, sizeof(r[0]), prange_cmp);
	for (i = 0; i < n; i++) {
		if (i && r[i].start < end) {
			const struct prange *c = &r[cover];

			if (r[i].start != c->start || r[i].n != c->n || r[i].shape != c->shape) {
				fail(err, errlen,
				     "op %u parameter %u (floats %llu..%llu) overlaps op %u parameter %u (floats %llu..%llu): parameter arrays may be shared only whole and with the same shape",
				     r[i].op, r[i].slot, (unsigned long long)r[i].start,
				     (unsigned long long)(r[i].start + r[i].n), c->op, c->slot,
				     (unsigned long long)c->start,
				     (unsigned long long)(c->start + c->n));
				ret = -EINVAL;
				break;
			}
			continue;
		}
		cover = i;
		end = r[i].start + r[i].n;
	}
	free(r);
	return ret;
}

int sps_blob_validate(const void *blob, size_t len, char *err, size_t errlen)
{
	int refusal;

	return sps_blob_validate_r(blob, len, err, errlen, &refusal);
}

int sps_blob_validate_r(const void *blob, size_t len, char *err, size_t errlen, int *refusal)
{
	const struct spinal_model_hdr *h = blob;
	const uint32_t *bufsz;
	const struct spinal_model_op *ops;
	const float *data;
	uint64_t neurons = 0;
	unsigned int layers = 0;
	int ret;

	*refusal = SPS_REFUSE_INVALID;
	if (err && errlen)
		err[0] = '\0';
	if (!blob || len < sizeof(*h))
		return fail(err, errlen, "model blob: %zu bytes, shorter than its header",
			    len);
	if ((uintptr_t)blob % 8)
		return fail(err, errlen, "model blob: buffer not 8-byte aligned");
	if (len > SPINAL_MODEL_MAX_BYTES) {
		fail(err, errlen, "model blob: %zu bytes exceeds the %u byte limit",
		     len, SPINAL_MODEL_MAX_BYTES);
		return -E2BIG;
	}
	if (h->magic != SPINAL_MODEL_MAGIC)
		return fail(err, errlen, "model blob: bad magic 0x%08x", h->magic);
	if (h->abi_major != SPINAL_MODEL_ABI_MAJOR)
		return fail(err, errlen,
			    "model blob: ABI %u.%u, this core reads %u.x; rebuild the agent or the core",
			    h->abi_major, h->abi_minor, SPINAL_MODEL_ABI_MAJOR);
	if (h->hdr_size != sizeof(*h) || h->total_size != len)
		return fail(err, errlen,
			    "model blob: header size %u / total size %u do not match %zu / %zu",
			    h->hdr_size, h->total_size, sizeof(*h), len);
	if (h->flags || h->pad0 ||
	    !all_zero(h->reserved, sizeof(h->reserved) / sizeof(h->reserved[0])))
		return fail(err, errlen, "model blob: unknown flags or reserved fields set");
	if (h->convention >= SPINAL_CONV_COUNT ||
	    h->reset > SPINAL_RESET_SUBTRACT_MULTI)
		return fail(err, errlen,
			    "model blob: unknown convention %u or reset %u in the lowering record",
			    h->convention, h->reset);
	if (h->n_bufs < 2 || h->n_bufs > SPINAL_MODEL_MAX_BUFS ||
	    h->n_ops < 1 || h->n_ops > SPINAL_MODEL_MAX_OPS) {
		fail(err, errlen, "model blob: %u buffers / %u ops outside [2, %u] / [1, %u]",
		     h->n_bufs, h->n_ops, SPINAL_MODEL_MAX_BUFS,
		     SPINAL_MODEL_MAX_OPS);
		return -E2BIG;
	}
	if (h->context_len > SPINAL_MODEL_MAX_CONTEXT) {
		fail(err, errlen, "model blob: context of %u ticks exceeds %u",
		     h->context_len, SPINAL_MODEL_MAX_CONTEXT);
		return -E2BIG;
	}
	if (!isfinite(h->dt) || !(h->dt > 0.0f) || h->dt > 10.0f)
		return fail(err, errlen, "model blob: dt %g s outside (0, 10]",
			    (double)h->dt);
	if (h->bufs_off % 4 || h->ops_off % 8 ||
	    h->data_off % (4 * SPINAL_MODEL_ALIGN_FLOATS) || h->data_size % 4)
		return fail(err, errlen, "model blob: misaligned section");
	if (h->bufs_off < sizeof(*h) || h->ops_off < sizeof(*h) ||
	    h->data_off < sizeof(*h) ||
	    !in_bounds(h->bufs_off, h->n_bufs, 4, len) ||
	    !in_bounds(h->ops_off, h->n_ops, sizeof(*ops), len) ||
	    !in_bounds(h->data_off, h->data_size, 1, len))
		return fail(err, errlen, "model blob: section outside the blob");
	/* sections must not overlap: bufs < ops < data */
	if ((uint64_t)h->bufs_off + 4ull * h->n_bufs > h->ops_off ||
	    (uint64_t)h->ops_off + sizeof(*ops) * h->n_ops > h->data_off)
		return fail(err, errlen, "model blob: sections overlap or are out of order");

	bufsz = (const uint32_t *)((const char *)blob + h->bufs_off);
	ops = (const void *)((const char *)blob + h->ops_off);
	data = (const void *)((const char *)blob + h->data_off);

	for (unsigned int b = 0; b < h->n_bufs; b++)
		if (bufsz[b] < 1 || bufsz[b] > SPINAL_MODEL_MAX_WIDTH) {
			fail(err, errlen, "buffer %u: width %u outside [1, %u]",
			     b, bufsz[b], SPINAL_MODEL_MAX_WIDTH);
			return -E2BIG;
		}
	if (h->out_buf == 0 || h->out_buf >= h->n_bufs)
		return fail(err, errlen, "model blob: output buffer %u out of range",
			    h->out_buf);
	if (h->n_inputs != bufsz[0] || h->n_outputs != bufsz[h->out_buf])
		return fail(err, errlen,
			    "model blob: %u inputs / %u outputs do not match buffer widths %u / %u",
			    h->n_inputs, h->n_outputs, bufsz[0],
			    bufsz[h->out_buf]);
	for (unsigned int k = 0; k < h->n_ops; k++) {
		ret = check_op_shape(h, bufsz, &ops[k], k, err, errlen);
		if (ret)
			return ret;
		ret = check_op_params(h, data, &ops[k], k, err, errlen);
		if (ret)
			return ret;
		if (ops[k].type == SPINAL_OP_NEURON) {
			layers++;
			neurons += ops[k].n_out;
		}
	}
	if (layers != h->n_layers || neurons != h->n_neurons)
		return fail(err, errlen,
			    "model blob: header says %u layers / %u neurons, ops give %u / %llu",
			    h->n_layers, h->n_neurons, layers,
			    (unsigned long long)neurons);
	ret = check_shared(h, ops, err, errlen);
	if (ret) {
		*refusal = ret == -ENOMEM ? SPS_REFUSE_NOMEM : SPS_REFUSE_SHARED;
		return ret;
	}
	return check_dataflow(h, ops, err, errlen);
}
