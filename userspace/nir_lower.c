// SPDX-License-Identifier: MIT
/*
 * NIR lowering: flattened struct nir_graph -> spinal model blob.
 *
 *  1. widths: every node gets flattened input/output widths from its
 *     parameters; every edge must join equal widths;
 *  2. recurrence: an edge u -> v from a neuron u that v can reach again is
 *     a delayed (last tick) edge; without those the graph must be acyclic,
 *     otherwise a cycle has no state and is refused;
 *  3. order: Kahn's algorithm, ties in file (alphabetical) order;
 *  4. ops: fan-in becomes ADD ops into a sum buffer; identities alias their
 *     input buffer; Affine/Linear -> MATVEC, Scale -> SCALE, neurons ->
 *     NEURON with the discretised coefficients (docs/model.md).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spinal/model_blob.h>

#include "userspace/nir.h"
#include "userspace/nir_impl.h"

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Neuron width: the size of its first per-neuron array; every other array
 * must match it or be a single value (broadcast). */
static int neuron_width(struct nir_node *n, char *err, size_t errlen)
{
	size_t w = 0;

	for (int p = NP_TAU; p <= NP_W_IN; p++)
		if (n->p[p].present && n->p[p].n > w)
			w = n->p[p].n;
	for (int p = NP_TAU; p <= NP_W_IN; p++)
		if (n->p[p].present && n->p[p].n != w && n->p[p].n != 1)
			return fail(err, errlen,
				    "node '%s' (%s): '%s' has %zu values, expected %zu",
				    n->name, n->type, nir_param_name(p),
				    n->p[p].n, w);
	n->in_w = n->out_w = w;
	return 0;
}

static int widths(struct nir_graph *g, char *err, size_t errlen)
{
	for (int i = 0; i < g->n_nodes; i++) {
		struct nir_node *n = &g->nodes[i];
		struct nir_arr *a;

		switch (n->kind) {
		case NK_UNSUPPORTED:
			return fail(err, errlen,
				    "node '%s': type '%s' is not supported (supported: Input, Output, Affine, Linear, Scale, LIF, CubaLIF, LI, CubaLI, IF, I, NIRGraph)",
				    n->name, n->type);
		case NK_GRAPH:
			break;
		case NK_INPUT:
		case NK_OUTPUT:
		case NK_IDENT:
			a = &n->p[NP_SHAPE];
			if (a->rank > 1)
				return fail(err, errlen, "node '%s': 'shape' must be 1-D",
					    n->name);
			n->in_w = 1;
			for (size_t k = 0; k < a->n; k++) {
				double d = a->d[k];

				if (d < 1 || d > SPINAL_MODEL_MAX_WIDTH ||
				    d != floor(d))
					return fail(err, errlen,
						    "node '%s': bad shape entry %g",
						    n->name, d);
				n->in_w *= (size_t)d;
				if (n->in_w > SPINAL_MODEL_MAX_WIDTH)
					return fail(err, errlen,
						    "node '%s': width exceeds %u",
						    n->name, SPINAL_MODEL_MAX_WIDTH);
			}
			n->out_w = n->in_w;
			break;
		case NK_AFFINE:
		case NK_LINEAR:
			a = &n->p[NP_WEIGHT];
			if (a->rank != 2)
				return fail(err, errlen,
					    "node '%s' (%s): weight must be 2-D (out x in), has rank %d",
					    n->name, n->type, a->rank);
			n->out_w = a->dims[0];
			n->in_w = a->dims[1];
			if (n->kind == NK_AFFINE && n->p[NP_BIAS].n != n->out_w)
				return fail(err, errlen,
					    "node '%s' (Affine): bias has %zu values, weight has %zu rows",
					    n->name, n->p[NP_BIAS].n, n->out_w);
			break;
		case NK_SCALE:
			n->in_w = n->out_w = n->p[NP_SCALE].n;
			break;
		default:
			if (neuron_width(n, err, errlen))
				return -EINVAL;
			break;
		}
		if (n->kind != NK_GRAPH &&
		    (n->in_w > SPINAL_MODEL_MAX_WIDTH ||
		     n->out_w > SPINAL_MODEL_MAX_WIDTH))
			return fail(err, errlen, "node '%s': width exceeds %u",
				    n->name, SPINAL_MODEL_MAX_WIDTH);
	}
	for (int e = 0; e < g->n_edges; e++) {
		const struct nir_node *s = &g->nodes[g->edges[e].src];
		const struct nir_node *d = &g->nodes[g->edges[e].dst];

		if (s->out_w != d->in_w)
			return fail(err, errlen,
				    "edge %s -> %s: shapes do not match (%zu outputs into %zu inputs)",
				    s->name, d->name, s->out_w, d->in_w);
		if (d->kind == NK_INPUT)
			return fail(err, errlen, "edge %s -> %s: the graph Input has inputs",
				    s->name, d->name);
		if (s->kind == NK_OUTPUT)
			return fail(err, errlen, "edge %s -> %s: the graph Output has outputs",
				    s->name, d->name);
	}
	return 0;
}

/* Can `from` reach `to` along edges (ignoring none)?  Small graphs: DFS. */
static int reaches(const struct nir_graph *g, int from, int to, char *seen)
{
	if (from == to)
		return 1;
	if (seen[from])
		return 0;
	seen[from] = 1;
	for (int e = 0; e < g->n_edges; e++)
		if (g->edges[e].src == from &&
		    reaches(g, g->edges[e].dst, to, seen))
			return 1;
	return 0;
}

struct lower {
	const struct nir_graph *g;
	char delayed[NIR_MAX_EDGES];
	int order[NIR_MAX_NODES], n_order;
	int obuf[NIR_MAX_NODES];        /* output buffer of each node */
	uint32_t bufsz[SPINAL_MODEL_MAX_BUFS];
	int n_bufs;
	struct spinal_model_op ops[SPINAL_MODEL_MAX_OPS];
	int n_ops;
	float *data;                    /* floats */
	size_t n_data, cap_data;
	unsigned int layers, neurons;
};

static int topo(struct lower *L, char *err, size_t errlen)
{
	const struct nir_graph *g = L->g;
	int indeg[NIR_MAX_NODES] = { 0 }, done[NIR_MAX_NODES] = { 0 };
	int pos[NIR_MAX_NODES] = { 0 };
	char *seen = calloc(NIR_MAX_NODES, 1);

	if (!seen)
		return -ENOMEM;
	for (int e = 0; e < g->n_edges; e++) {
		int u = g->edges[e].src, v = g->edges[e].dst;

		memset(seen, 0, NIR_MAX_NODES);
		L->delayed[e] = nir_kind_is_neuron(g->nodes[u].kind) &&
				reaches(g, v, u, seen);
		if (!L->delayed[e])
			indeg[v]++;
	}
	free(seen);
	L->n_order = 0;
	for (;;) {
		int pick = -1;

		for (int i = 0; i < g->n_nodes && pick < 0; i++)
			if (!done[i] && g->nodes[i].kind != NK_GRAPH && !indeg[i])
				pick = i;
		if (pick < 0)
			break;
		done[pick] = 1;
		L->order[L->n_order++] = pick;
		for (int e = 0; e < g->n_edges; e++)
			if (g->edges[e].src == pick && !L->delayed[e])
				indeg[g->edges[e].dst]--;
	}
	for (int i = 0; i < g->n_nodes; i++)
		if (!done[i] && g->nodes[i].kind != NK_GRAPH)
			return fail(err, errlen,
				    "node '%s' is on a cycle without state (a cycle must pass through a LIF/CubaLIF/LI/CubaLI/IF/I node)",
				    g->nodes[i].name);
	/* a candidate edge that runs forward in the order reads this tick's
	 * value; only backward edges (and self-loops) are delayed */
	for (int k = 0; k < L->n_order; k++)
		pos[L->order[k]] = k;
	for (int e = 0; e < g->n_edges; e++)
		if (L->delayed[e] &&
		    pos[g->edges[e].src] < pos[g->edges[e].dst])
			L->delayed[e] = 0;
	return 0;
}

static int new_buf(struct lower *L, size_t w, char *err, size_t errlen)
{
	if (L->n_bufs >= SPINAL_MODEL_MAX_BUFS)
		return fail(err, errlen, "model needs more than %d buffers",
			    SPINAL_MODEL_MAX_BUFS);
	L->bufsz[L->n_bufs] = (uint32_t)w;
	return L->n_bufs++;
}

static struct spinal_model_op *new_op(struct lower *L, int type, int in,
				      int out, char *err, size_t errlen)
{
	struct spinal_model_op *op;

	if (L->n_ops >= SPINAL_MODEL_MAX_OPS) {
		fail(err, errlen, "model needs more than %d ops",
		     SPINAL_MODEL_MAX_OPS);
		return NULL;
	}
	op = &L->ops[L->n_ops++];
	memset(op, 0, sizeof(*op));
	op->type = (uint16_t)type;
	op->in_buf = (uint32_t)in;
	op->out_buf = (uint32_t)out;
	op->n_in = L->bufsz[in];
	op->n_out = L->bufsz[out];
	for (int p = 0; p < SPINAL_MODEL_NPARAM; p++)
		op->param[p] = SPINAL_MODEL_NO_PARAM;
	return op;
}

/* Append n floats (64-byte aligned) and return their float index. */
static long push(struct lower *L, size_t n)
{
	size_t at = (L->n_data + 15) & ~(size_t)15;

	if (at + n > (SPINAL_MODEL_MAX_BYTES / 4))
		return -1;
	if (at + n > L->cap_data) {
		size_t cap = L->cap_data ? L->cap_data : 4096;
		float *d;

		while (cap < at + n)
			cap *= 2;
		d = realloc(L->data, cap * sizeof(float));
		if (!d)
			return -1;
		memset(d + L->cap_data, 0, (cap - L->cap_data) * sizeof(float));
		L->data = d;
		L->cap_data = cap;
	}
	L->n_data = at + n;
	return (long)at;
}

static double val(const struct nir_arr *a, size_t j, double dflt)
{
	if (!a->present)
		return dflt;
	return a->n == 1 ? a->d[0] : a->d[j];
}

/* The reset a convention uses unless --reset overrides it. */
static int default_reset(int conv)
{
	switch (conv) {
	case NIR_CONV_SNNTORCH:
		return SPINAL_RESET_SUBTRACT_DELAYED;
	case NIR_CONV_ROCKPOOL:
	case NIR_CONV_SINABS:
		return SPINAL_RESET_SUBTRACT_MULTI;
	default:
		return SPINAL_RESET_VALUE;
	}
}

/* Rockpool exports r = tau exp(-dt/tau) / dt: the dt that gives r, from
 * r u = exp(-u), u = dt/tau (f increasing: Newton from u = 1/(1+r)). */
static double rockpool_dt(double tau, double r)
{
	double u = 1.0 / (1.0 + r);

	for (int i = 0; i < 50; i++) {
		double f = r * u - exp(-u), d = r + exp(-u);

		u -= f / d;
	}
	return u * tau;
}

/*
 * Coefficients of one neuron under the framework conventions that integrate
 * exactly (docs/model.md): Rockpool (dt in seconds) and Sinabs (one step per
 * tick).  Returns 0 or -EINVAL with a reason that names the node.
 */
static int exact_coeffs(const struct nir_node *n, size_t j, int conv, double dt,
			double c[SPINAL_NP_COUNT], char *err, size_t errlen)
{
	int cuba = n->kind == NK_CUBALIF || n->kind == NK_CUBALI;
	double tau = val(&n->p[cuba ? NP_TAU_MEM : NP_TAU], j, 1.0);
	double r = val(&n->p[NP_R], j, 1.0);
	double vl = val(&n->p[NP_V_LEAK], j, 0.0);
	const char *cn = nir_convention_name(conv);

	if (vl != 0.0)
		return fail(err, errlen,
			    "node '%s': v_leak %g: %s exports v_leak = 0 (a bias is an Affine node); not a %s export, use --convention nir",
			    n->name, vl, cn, cn);
	if (cuba && val(&n->p[NP_W_IN], j, 1.0) != 1.0)
		return fail(err, errlen,
			    "node '%s': w_in %g: %s has no input weight on the synapse (w_in = 1)",
			    n->name, val(&n->p[NP_W_IN], j, 1.0), cn);
	if (conv == NIR_CONV_ROCKPOOL) {
		double e;

		if (n->kind == NK_IF || n->kind == NK_I || n->kind == NK_CUBALI)
			return fail(err, errlen,
				    "node '%s' (%s): Rockpool exports no %s node; use --convention nir",
				    n->name, n->type, n->type);
		if (!(tau > 0))
			return fail(err, errlen, "node '%s': tau %g must be > 0", n->name, tau);
		e = exp(-dt / tau);
		if (fabs(r - tau * e / dt) > 1e-4 * fabs(r))
			return fail(err, errlen,
				    "node '%s': r = %g, but a Rockpool export at dt %g s has r = tau exp(-dt/tau)/dt = %g; give the dt it was trained with (--model-dt)",
				    n->name, r, dt, tau * e / dt);
		/* Rockpool evaluates exp(-dt / tau) in float32 */
		c[SPINAL_NP_DM] = expf(-(float)dt / (float)tau);
		/* LIFTorch / LIFNeuronTorch: v = a v + i;  ExpSynTorch (LI): v = a (v + x) */
		c[SPINAL_NP_BM] = n->kind == NK_LI ? c[SPINAL_NP_DM] : 1.0;
		if (cuba) {
			double ts = val(&n->p[NP_TAU_SYN], j, 1.0);

			if (!(ts > 0))
				return fail(err, errlen, "node '%s': tau_syn %g must be > 0",
					    n->name, ts);
			c[SPINAL_NP_DS] = expf(-(float)dt / (float)ts); /* isyn = b (isyn + x) */
			c[SPINAL_NP_BS] = c[SPINAL_NP_DS];
		}
		return 0;
	}
	/* Sinabs: IAF -> IF (v += r x), LIF -> LIF and ExpLeak -> LI with
	 * v = exp(-1/tau) v + r x (tau in ticks; norm_input = False, as
	 * sinabs.from_nir builds them) */
	if (cuba || n->kind == NK_I)
		return fail(err, errlen,
			    "node '%s' (%s): Sinabs exports no %s node; use --convention nir",
			    n->name, n->type, n->type);
	if (n->kind == NK_IF) {
		c[SPINAL_NP_DM] = 1.0;
	} else {
		if (!(tau >= 1.0))
			return fail(err, errlen,
				    "node '%s': tau %g ticks: Sinabs time constants are in ticks (>= 1)",
				    n->name, tau);
		c[SPINAL_NP_DM] = expf(-1.0f / (float)tau); /* as Sinabs: float32 */
	}
	c[SPINAL_NP_BM] = r;
	return 0;
}

static int emit_neuron(struct lower *L, const struct nir_node *n, int in,
		       int out, int delayed, const struct nir_opts *o,
		       double dt, char *err, size_t errlen)
{
	struct spinal_model_op *op = new_op(L, SPINAL_OP_NEURON, in, out, err,
					    errlen);
	int cuba = n->kind == NK_CUBALIF || n->kind == NK_CUBALI;
	int spike = n->kind == NK_LIF || n->kind == NK_CUBALIF ||
		    n->kind == NK_IF;
	int integ = n->kind == NK_IF || n->kind == NK_I;
	int exact = o->convention == NIR_CONV_ROCKPOOL ||
		    o->convention == NIR_CONV_SINABS;
	int reset = o->reset;
	long idx[SPINAL_NP_COUNT];

	if (!op)
		return -E2BIG;
	if (reset == NIR_RESET_DEFAULT)
		reset = default_reset(o->convention);
	op->flags = (uint16_t)((delayed ? SPINAL_OPF_DELAYED : 0) |
			       (spike ? SPINAL_OPF_SPIKE : 0) |
			       (cuba ? SPINAL_OPF_SYN : 0) |
			       (cuba && o->convention == NIR_CONV_NORSE ?
					SPINAL_OPF_SYN_AFTER : 0) |
			       (spike ? (unsigned)reset << SPINAL_OPF_RESET_SHIFT : 0));
	for (int p = 0; p < SPINAL_NP_COUNT; p++) {
		idx[p] = push(L, n->out_w);
		if (idx[p] < 0)
			return fail(err, errlen, "model larger than %u bytes",
				    SPINAL_MODEL_MAX_BYTES);
		op->param[p] = (uint32_t)idx[p];
	}
	for (size_t j = 0; j < n->out_w; j++) {
		double tau = val(&n->p[cuba ? NP_TAU_MEM : NP_TAU], j, 1.0);
		double r = val(&n->p[NP_R], j, 1.0);
		double am = integ ? dt : dt / tau; /* IF/I: dv/dt = R I */
		double dm = integ ? 1.0 : 1.0 - am;
		double c[SPINAL_NP_COUNT] = { 0 };

		if (exact) {
			if (exact_coeffs(n, j, o->convention, dt, c, err, errlen))
				return -EINVAL;
			c[SPINAL_NP_THR] = val(&n->p[NP_V_THRESHOLD], j, 0);
			if (spike && reset == SPINAL_RESET_SUBTRACT_MULTI &&
			    !(c[SPINAL_NP_THR] > 1e-6))
				return fail(err, errlen,
					    "node '%s': v_threshold %g: multi-spike reset needs a threshold > 0",
					    n->name, c[SPINAL_NP_THR]);
			goto store;
		}
		if (!integ && !(tau > 0))
			return fail(err, errlen, "node '%s': tau %g must be > 0",
				    n->name, tau);
		if (!integ && am > 1.0)
			return fail(err, errlen,
				    "node '%s': dt/tau = %g > 1 (dt %g s, tau %g s): forward Euler is unstable; use a smaller --model-dt",
				    n->name, am, dt, tau);
		c[SPINAL_NP_DM] = dm;
		c[SPINAL_NP_BM] = am * r;
		c[SPINAL_NP_CM] = integ ? 0.0 : am * val(&n->p[NP_V_LEAK], j, 0);
		c[SPINAL_NP_THR] = val(&n->p[NP_V_THRESHOLD], j, 0);
		c[SPINAL_NP_VRESET] = val(&n->p[NP_V_RESET], j, 0);
		if (cuba) {
			double ts = val(&n->p[NP_TAU_SYN], j, 1.0);
			double as = dt / ts, w = val(&n->p[NP_W_IN], j, 1.0);

			if (!(ts > 0) || as > 1.0)
				return fail(err, errlen,
					    "node '%s': tau_syn %g with dt %g s gives dt/tau_syn outside (0, 1]",
					    n->name, ts, dt);
			c[SPINAL_NP_DS] = 1.0 - as;
			c[SPINAL_NP_BS] = o->convention == NIR_CONV_NORSE ?
						  w : as * w;
		}
		if (spike && reset == SPINAL_RESET_SUBTRACT_MULTI &&
		    !(c[SPINAL_NP_THR] > 1e-6))
			return fail(err, errlen,
				    "node '%s': v_threshold %g: multi-spike reset needs a threshold > 0",
				    n->name, c[SPINAL_NP_THR]);
store:
		for (int p = 0; p < SPINAL_NP_COUNT; p++) {
			if (fabs(c[p]) > SPINAL_MODEL_MAX_ABS)
				return fail(err, errlen,
					    "node '%s': discretised parameter %g exceeds %g",
					    n->name, c[p],
					    (double)SPINAL_MODEL_MAX_ABS);
			L->data[idx[p] + j] = (float)c[p];
		}
	}
	((struct nir_graph *)L->g)->layer_node[L->layers] = (int)(n - L->g->nodes);
	L->layers++;
	L->neurons += (unsigned int)n->out_w;
	return 0;
}

/* The input buffer of node v: its single source's buffer, or a sum. */
static int input_of(struct lower *L, int v, int *delayed, char *err,
		    size_t errlen)
{
	const struct nir_graph *g = L->g;
	int n_in = 0, last = -1, sum = -1, self = 0;

	*delayed = 0;
	for (int e = 0; e < g->n_edges; e++)
		if (g->edges[e].dst == v) {
			n_in++;
			last = e;
			self |= g->edges[e].src == v;
		}
	if (!n_in)
		return fail(err, errlen, "node '%s' has no incoming edge",
			    g->nodes[v].name);
	if (n_in == 1 && !self) {
		*delayed = L->delayed[last];
		return L->obuf[g->edges[last].src];
	}
	sum = new_buf(L, g->nodes[v].in_w, err, errlen);
	if (sum < 0)
		return -E2BIG;
	n_in = 0;
	for (int e = 0; e < g->n_edges; e++) {
		struct spinal_model_op *op;

		if (g->edges[e].dst != v)
			continue;
		op = new_op(L, SPINAL_OP_ADD, L->obuf[g->edges[e].src], sum,
			    err, errlen);
		if (!op)
			return -E2BIG;
		op->flags = (uint16_t)((n_in++ ? SPINAL_OPF_ACC : 0) |
				       (L->delayed[e] ? SPINAL_OPF_DELAYED : 0));
	}
	return sum;
}

static int emit(struct lower *L, int v, const struct nir_opts *o, double dt,
		char *err, size_t errlen)
{
	const struct nir_node *n = &L->g->nodes[v];
	struct spinal_model_op *op;
	int in, out, delayed, ret;
	long w, b;

	if (n->kind == NK_INPUT) {
		L->obuf[v] = 0;
		return 0;
	}
	in = input_of(L, v, &delayed, err, errlen);
	if (in < 0)
		return in;
	if (n->kind == NK_IDENT || n->kind == NK_OUTPUT) {
		if (!delayed && in != 0) {
			L->obuf[v] = in; /* alias */
			return 0;
		}
		out = new_buf(L, n->out_w, err, errlen);
		if (out < 0)
			return out;
		op = new_op(L, SPINAL_OP_ADD, in, out, err, errlen);
		if (!op)
			return -E2BIG;
		op->flags = delayed ? SPINAL_OPF_DELAYED : 0;
		L->obuf[v] = out;
		return 0;
	}
	if (nir_kind_is_neuron(n->kind)) {
		out = L->obuf[v]; /* allocated up front: delayed readers */
	} else {
		out = new_buf(L, n->out_w, err, errlen);
		if (out < 0)
			return out;
		L->obuf[v] = out;
	}
	switch (n->kind) {
	case NK_AFFINE:
	case NK_LINEAR:
		op = new_op(L, SPINAL_OP_MATVEC, in, out, err, errlen);
		if (!op)
			return -E2BIG;
		op->flags = delayed ? SPINAL_OPF_DELAYED : 0;
		w = push(L, n->in_w * n->out_w);
		if (w < 0)
			return fail(err, errlen, "model larger than %u bytes",
				    SPINAL_MODEL_MAX_BYTES);
		for (size_t k = 0; k < n->in_w * n->out_w; k++)
			L->data[w + k] = (float)n->p[NP_WEIGHT].d[k];
		op->param[0] = (uint32_t)w;
		if (n->kind == NK_AFFINE) {
			b = push(L, n->out_w);
			if (b < 0)
				return fail(err, errlen, "model larger than %u bytes",
					    SPINAL_MODEL_MAX_BYTES);
			for (size_t k = 0; k < n->out_w; k++)
				L->data[b + k] = (float)n->p[NP_BIAS].d[k];
			op->param[1] = (uint32_t)b;
			op->flags |= SPINAL_OPF_BIAS;
		}
		return 0;
	case NK_SCALE:
		op = new_op(L, SPINAL_OP_SCALE, in, out, err, errlen);
		if (!op)
			return -E2BIG;
		op->flags = delayed ? SPINAL_OPF_DELAYED : 0;
		w = push(L, n->out_w);
		if (w < 0)
			return -E2BIG;
		for (size_t k = 0; k < n->out_w; k++)
			L->data[w + k] = (float)n->p[NP_SCALE].d[k];
		op->param[0] = (uint32_t)w;
		return 0;
	default:
		ret = emit_neuron(L, n, in, out, delayed, o, dt, err, errlen);
		return ret;
	}
}

static int pick_dt(const struct nir_graph *g, const struct nir_opts *o,
		   double *dt, char *err, size_t errlen)
{
	*dt = o->dt;
	/* snnTorch and Sinabs models are per tick: the loop period (o->dt)
	 * is only recorded, the coefficients come from the file */
	if (o->dt > 0 && o->convention != NIR_CONV_SNNTORCH &&
	    o->convention != NIR_CONV_SINABS)
		return 0;
	if (o->convention == NIR_CONV_NORSE) {
		*dt = 1e-3; /* norse.torch default */
		return 0;
	}
	if (o->convention == NIR_CONV_SINABS) {
		*dt = 1e-3; /* recorded only: Sinabs models step once per tick */
		return 0;
	}
	if (o->convention == NIR_CONV_ROCKPOOL) {
		/* r = tau exp(-dt/tau) / dt: one dt for every neuron */
		*dt = 0;
		for (int i = 0; i < g->n_nodes; i++) {
			const struct nir_node *n = &g->nodes[i];
			int cuba = n->kind == NK_CUBALIF || n->kind == NK_CUBALI;

			if (!(n->kind == NK_LIF || n->kind == NK_CUBALIF ||
			      n->kind == NK_LI))
				continue;
			for (size_t j = 0; j < n->out_w; j++) {
				double tau = val(&n->p[cuba ? NP_TAU_MEM : NP_TAU], j, 1);
				double r = val(&n->p[NP_R], j, 1), d;

				if (!(tau > 0) || !(r > 0))
					return fail(err, errlen,
						    "node '%s': tau %g / r %g: not a Rockpool export (both > 0)",
						    n->name, tau, r);
				d = rockpool_dt(tau, r);
				if (*dt == 0)
					*dt = d;
				else if (fabs(d - *dt) > 1e-5 * *dt)
					return fail(err, errlen,
						    "node '%s': r gives dt %g s, other neurons %g s: not one Rockpool export, give --model-dt",
						    n->name, d, *dt);
			}
		}
		if (*dt > 0)
			return 0;
	}
	if (o->convention == NIR_CONV_SNNTORCH) {
		/* snnTorch exports tau = dt/(1-beta), r = tau/dt: dt = tau/r */
		*dt = 0;
		for (int i = 0; i < g->n_nodes; i++) {
			const struct nir_node *n = &g->nodes[i];
			const struct nir_arr *t = &n->p[n->kind == NK_CUBALIF ||
						n->kind == NK_CUBALI ? NP_TAU_MEM : NP_TAU];

			if (!(n->kind == NK_LIF || n->kind == NK_CUBALIF ||
			      n->kind == NK_LI || n->kind == NK_CUBALI))
				continue;
			for (size_t j = 0; j < n->out_w; j++) {
				double r = val(&n->p[NP_R], j, 1), d;

				if (r == 0)
					continue;
				d = val(t, j, 1) / r;
				if (*dt == 0)
					*dt = d;
				else if (fabs(d - *dt) > 1e-6 * *dt)
					return fail(err, errlen,
						    "node '%s': tau/r = %g differs from %g: not an snnTorch export, give --model-dt",
						    n->name, d, *dt);
			}
		}
		if (*dt > 0)
			return 0;
	}
	return fail(err, errlen, "no dt: NIR models are continuous-time; give the loop period or --model-dt SECONDS");
}

int nir_graph_lower(const struct nir_graph *gc, const struct nir_opts *o,
		    void **blobp, size_t *lenp, double *dt_used, char *err,
		    size_t errlen)
{
	struct nir_graph *g = (struct nir_graph *)gc; /* widths are cached */
	struct spinal_model_hdr *h;
	struct nir_opts oo = *o;
	struct lower *L;
	int ret, out_node = -1;
	unsigned int ver[3] = { 0, 0, 0 };
	double dt, dt_rec;
	size_t bufs_off, ops_off, data_off, total;
	char *blob;

	if (o->convention < NIR_CONV_FILE || o->convention >= NIR_CONV_COUNT ||
	    o->reset < NIR_RESET_DEFAULT ||
	    o->reset > SPINAL_RESET_SUBTRACT_MULTI ||
	    o->context_len > SPINAL_MODEL_MAX_CONTEXT)
		return fail(err, errlen, "bad import options");
	/* the file may declare its convention; a different explicit one is
	 * ambiguous and refused */
	if (g->convention[0]) {
		int fc = nir_convention_parse(g->convention);

		if (fc < 0)
			return fail(err, errlen,
				    "the file declares spinal_convention '%s' (known: nir, snntorch, norse, rockpool, sinabs)",
				    g->convention);
		if (o->convention != NIR_CONV_FILE && o->convention != fc)
			return fail(err, errlen,
				    "the file declares convention %s, --convention says %s: refusing to guess",
				    g->convention, nir_convention_name(o->convention));
		oo.convention = fc;
	} else if (o->convention == NIR_CONV_FILE) {
		oo.convention = NIR_CONV_NIR;
	}
	o = &oo;
	g->used_convention = oo.convention;
	g->used_reset = oo.reset == NIR_RESET_DEFAULT ? default_reset(oo.convention) : oo.reset;
	g->n_layers = 0;
	if (sscanf(g->version, "%u.%u.%u", &ver[0], &ver[1], &ver[2]) < 1 ||
	    ver[0] > 0xffff || ver[1] > 0xffff || ver[2] > 0xffff)
		ver[0] = ver[1] = ver[2] = 0;
	ret = widths(g, err, errlen);
	if (ret)
		return ret;
	ret = pick_dt(g, o, &dt, err, errlen);
	dt_rec = o->dt > 0 ? o->dt : dt;
	if (ret)
		return ret;
	L = calloc(1, sizeof(*L));
	if (!L)
		return -ENOMEM;
	L->g = g;
	ret = topo(L, err, errlen);
	if (ret)
		goto out;
	for (int i = 0; i < g->n_nodes; i++)
		if (g->nodes[i].kind == NK_INPUT)
			new_buf(L, g->nodes[i].out_w, err, errlen); /* buffer 0 */
	for (int k = 0; k < L->n_order && ret >= 0; k++)
		if (nir_kind_is_neuron(g->nodes[L->order[k]].kind))
			ret = L->obuf[L->order[k]] =
				new_buf(L, g->nodes[L->order[k]].out_w, err,
					errlen);
	ret = ret < 0 ? ret : 0;
	for (int k = 0; k < L->n_order && !ret; k++) {
		ret = emit(L, L->order[k], o, dt, err, errlen);
		if (g->nodes[L->order[k]].kind == NK_OUTPUT)
			out_node = L->order[k];
	}
	if (ret)
		goto out;
	if (out_node < 0 || L->n_ops == 0) {
		ret = fail(err, errlen, "graph computes nothing (no ops between Input and Output)");
		goto out;
	}

	bufs_off = sizeof(*h);
	ops_off = (bufs_off + 4 * (size_t)L->n_bufs + 63) & ~(size_t)63;
	data_off = (ops_off + sizeof(L->ops[0]) * (size_t)L->n_ops + 63) &
		   ~(size_t)63;
	total = data_off + 4 * L->n_data;
	if (total > SPINAL_MODEL_MAX_BYTES) {
		ret = fail(err, errlen, "model is %zu bytes, more than %u", total,
			   SPINAL_MODEL_MAX_BYTES);
		ret = -E2BIG;
		goto out;
	}
	blob = aligned_alloc(64, (total + 63) & ~(size_t)63);
	if (!blob) {
		ret = -ENOMEM;
		goto out;
	}
	memset(blob, 0, total);
	h = (void *)blob;
	h->magic = SPINAL_MODEL_MAGIC;
	h->abi_major = SPINAL_MODEL_ABI_MAJOR;
	h->abi_minor = SPINAL_MODEL_ABI_MINOR;
	h->hdr_size = sizeof(*h);
	h->total_size = (uint32_t)total;
	h->n_inputs = L->bufsz[0];
	h->out_buf = (uint32_t)L->obuf[out_node];
	h->n_outputs = L->bufsz[h->out_buf];
	h->n_bufs = (uint32_t)L->n_bufs;
	h->n_ops = (uint32_t)L->n_ops;
	h->n_layers = L->layers;
	h->n_neurons = L->neurons;
	h->context_len = o->context_len;
	h->bufs_off = (uint32_t)bufs_off;
	h->ops_off = (uint32_t)ops_off;
	h->data_off = (uint32_t)data_off;
	h->data_size = (uint32_t)(4 * L->n_data);
	h->dt = (float)dt_rec;
	h->convention = (uint16_t)oo.convention;
	h->reset = (uint16_t)g->used_reset;
	for (int i = 0; i < 3; i++)
		h->nir_version[i] = (uint16_t)ver[i];
	g->n_layers = (int)L->layers;
	memcpy(blob + bufs_off, L->bufsz, 4 * (size_t)L->n_bufs);
	memcpy(blob + ops_off, L->ops, sizeof(L->ops[0]) * (size_t)L->n_ops);
	if (L->n_data)
		memcpy(blob + data_off, L->data, 4 * L->n_data);
	*blobp = blob;
	*lenp = total;
	if (dt_used)
		*dt_used = dt_rec;
out:
	free(L->data);
	free(L);
	return ret;
}

int nir_graph_convention(const struct nir_graph *g)
{
	return g->used_convention;
}

int nir_graph_reset(const struct nir_graph *g)
{
	return g->used_reset;
}

const char *nir_graph_layer_name(const struct nir_graph *g, unsigned int k)
{
	return (int)k < g->n_layers ? g->nodes[g->layer_node[k]].name : NULL;
}
