// SPDX-License-Identifier: MIT
/*
 * bench-sps: SPS step latency for 64-in, 2 x H LIF hidden, 3-out networks
 * (H = 128, 256, 1024), next to a plain scalar loop computing the same
 * network and next to the FLOP-bound estimate for this CPU.  Numbers are
 * printed, never asserted.
 *
 * Usage: bench-sps [STEPS]      (default 20000 per network)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <spinal/model_blob.h>

#include "rtcore/sps.h"

struct net {
	size_t nin, h, nout;
	float *w1, *b1, *w2, *b2, *w3, *b3; /* row-major [out][in] */
	float beta, thr;
};

static float frand(unsigned int *s)
{
	*s = *s * 1103515245u + 12345u;
	return ((*s >> 8) & 0xffff) / 65536.0f;
}

static float *randw(size_t n, float scale, unsigned int *s)
{
	float *w = malloc(n * sizeof(float));

	for (size_t i = 0; i < n; i++)
		w[i] = (2.0f * frand(s) - 1.0f) * scale;
	return w;
}

static void net_init(struct net *n, size_t nin, size_t h, size_t nout)
{
	unsigned int s = 12345;

	n->nin = nin;
	n->h = h;
	n->nout = nout;
	n->w1 = randw(h * nin, 2.0f / sqrtf((float)nin), &s);
	n->b1 = randw(h, 0.1f, &s);
	n->w2 = randw(h * h, 3.0f / sqrtf((float)h), &s);
	n->b2 = randw(h, 0.1f, &s);
	n->w3 = randw(nout * h, 1.0f / sqrtf((float)h), &s);
	n->b3 = randw(nout, 0.0f, &s);
	n->beta = 0.9f;
	n->thr = 1.0f;
}

/* --- blob builder ------------------------------------------------------ */

struct bb {
	char *blob;
	size_t ndata;
	float *data;
	struct spinal_model_op ops[8];
	uint32_t bufs[8];
	unsigned int nops, nbufs;
};

static uint32_t put(struct bb *b, const float *src, size_t n, float fill)
{
	size_t at = (b->ndata + 15) & ~(size_t)15;

	b->data = realloc(b->data, (at + n + 16) * sizeof(float));
	memset(b->data + b->ndata, 0, (at - b->ndata) * sizeof(float));
	for (size_t i = 0; i < n; i++)
		b->data[at + i] = src ? src[i] : fill;
	b->ndata = at + n;
	return (uint32_t)at;
}

static struct spinal_model_op *op(struct bb *b, int type, unsigned int in,
				  unsigned int out)
{
	struct spinal_model_op *o = &b->ops[b->nops++];

	memset(o, 0, sizeof(*o));
	o->type = (uint16_t)type;
	o->in_buf = in;
	o->out_buf = out;
	o->n_in = b->bufs[in];
	o->n_out = b->bufs[out];
	for (int p = 0; p < SPINAL_MODEL_NPARAM; p++)
		o->param[p] = SPINAL_MODEL_NO_PARAM;
	return o;
}

static void lif(struct bb *b, const struct net *n, unsigned int in,
		unsigned int out, int spike)
{
	struct spinal_model_op *o = op(b, SPINAL_OP_NEURON, in, out);
	size_t w = b->bufs[out];

	o->flags = spike ? SPINAL_OPF_SPIKE : 0;
	o->param[SPINAL_NP_DM] = put(b, NULL, w, n->beta);
	o->param[SPINAL_NP_BM] = put(b, NULL, w, 1.0f); /* snnTorch-style */
	o->param[SPINAL_NP_CM] = put(b, NULL, w, 0.0f);
	o->param[SPINAL_NP_THR] = put(b, NULL, w, n->thr);
	o->param[SPINAL_NP_VRESET] = put(b, NULL, w, 0.0f);
	o->param[SPINAL_NP_DS] = put(b, NULL, w, 0.0f);
	o->param[SPINAL_NP_BS] = put(b, NULL, w, 0.0f);
}

static void *build(const struct net *n, size_t *len)
{
	struct bb b = { 0 };
	struct spinal_model_op *o;
	struct spinal_model_hdr *h;
	size_t off_ops, off_data;

	b.bufs[0] = (uint32_t)n->nin;
	b.bufs[1] = b.bufs[2] = b.bufs[3] = b.bufs[4] = (uint32_t)n->h;
	b.bufs[5] = b.bufs[6] = (uint32_t)n->nout;
	b.nbufs = 7;
	o = op(&b, SPINAL_OP_MATVEC, 0, 1);
	o->flags = SPINAL_OPF_BIAS;
	o->param[0] = put(&b, n->w1, n->h * n->nin, 0);
	o->param[1] = put(&b, n->b1, n->h, 0);
	lif(&b, n, 1, 2, 1);
	o = op(&b, SPINAL_OP_MATVEC, 2, 3);
	o->flags = SPINAL_OPF_BIAS;
	o->param[0] = put(&b, n->w2, n->h * n->h, 0);
	o->param[1] = put(&b, n->b2, n->h, 0);
	lif(&b, n, 3, 4, 1);
	o = op(&b, SPINAL_OP_MATVEC, 4, 5);
	o->flags = SPINAL_OPF_BIAS;
	o->param[0] = put(&b, n->w3, n->nout * n->h, 0);
	o->param[1] = put(&b, n->b3, n->nout, 0);
	lif(&b, n, 5, 6, 0); /* LI readout */

	off_ops = (128 + 4 * b.nbufs + 63) & ~(size_t)63;
	off_data = (off_ops + 64 * b.nops + 63) & ~(size_t)63;
	*len = off_data + 4 * b.ndata;
	b.blob = aligned_alloc(64, (*len + 63) & ~(size_t)63);
	memset(b.blob, 0, *len);
	h = (void *)b.blob;
	h->magic = SPINAL_MODEL_MAGIC;
	h->abi_major = SPINAL_MODEL_ABI_MAJOR;
	h->hdr_size = 128;
	h->total_size = (uint32_t)*len;
	h->n_inputs = (uint32_t)n->nin;
	h->n_outputs = (uint32_t)n->nout;
	h->n_bufs = b.nbufs;
	h->n_ops = b.nops;
	h->n_layers = 3;
	h->n_neurons = (uint32_t)(2 * n->h + n->nout);
	h->out_buf = 6;
	h->context_len = 16;
	h->bufs_off = 128;
	h->ops_off = (uint32_t)off_ops;
	h->data_off = (uint32_t)off_data;
	h->data_size = (uint32_t)(4 * b.ndata);
	h->dt = 1e-3f;
	memcpy(b.blob + 128, b.bufs, 4 * b.nbufs);
	memcpy(b.blob + off_ops, b.ops, 64 * b.nops);
	memcpy(b.blob + off_data, b.data, 4 * b.ndata);
	free(b.data);
	return b.blob;
}

/* --- the plain scalar loop: same network, no layout tricks ------------- */

struct scalar {
	const struct net *n;
	float *v1, *z1, *v2, *z2, *v3, *a;
};

__attribute__((optimize("no-tree-vectorize")))
static void dense(const float *w, const float *b, const float *x, float *y,
		  size_t nin, size_t nout)
{
	for (size_t j = 0; j < nout; j++) {
		float s = b[j];

		for (size_t i = 0; i < nin; i++)
			s += w[j * nin + i] * x[i];
		y[j] = s;
	}
}

__attribute__((optimize("no-tree-vectorize")))
static void lif_scalar(const struct net *n, const float *x, float *v, float *z,
		       size_t w, int spike)
{
	for (size_t j = 0; j < w; j++) {
		v[j] = n->beta * v[j] + x[j];
		if (spike) {
			z[j] = v[j] > n->thr ? 1.0f : 0.0f;
			if (z[j] > 0)
				v[j] = 0;
		}
	}
}

static void scalar_step(struct scalar *s, const float *x, float *out)
{
	const struct net *n = s->n;

	dense(n->w1, n->b1, x, s->a, n->nin, n->h);
	lif_scalar(n, s->a, s->v1, s->z1, n->h, 1);
	dense(n->w2, n->b2, s->z1, s->a, n->h, n->h);
	lif_scalar(n, s->a, s->v2, s->z2, n->h, 1);
	dense(n->w3, n->b3, s->z2, s->a, n->h, n->nout);
	lif_scalar(n, s->a, s->v3, NULL, n->nout, 0);
	memcpy(out, s->v3, n->nout * sizeof(float));
}

/* --- timing ------------------------------------------------------------ */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct stat3 {
	double p50, p99, max;
};

static struct stat3 summarise(double *t, size_t n)
{
	struct stat3 s;

	qsort(t, n, sizeof(double), cmpd);
	s.p50 = t[n / 2];
	s.p99 = t[(size_t)(n * 0.99)];
	s.max = t[n - 1];
	return s;
}

static double cpu_mhz(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];
	double mhz = 0;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "cpu MHz : %lf", &mhz) == 1)
			break;
	if (f)
		fclose(f);
	return mhz;
}

int main(int argc, char **argv)
{
	static const size_t hs[] = { 128, 256, 1024 };
	size_t steps = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000;
	double mhz = cpu_mhz();
	double *t = malloc(steps * sizeof(double));

	if (steps < 100)
		steps = 100;
	t = realloc(t, steps * sizeof(double));
	printf("bench-sps: %zu steps per network, CPU %.0f MHz; seed SPS budget 5 ms p99\n",
	       steps, mhz);
	printf("FLOP bound: flops/step / (GHz * flops/cycle); 8 flops/cycle = SSE2 mul+add (this build), 64 = AVX-512 2xFMA peak\n");
	printf("%-10s %9s %8s | %9s %9s %9s | %9s %9s | %7s | %9s %9s | %6s\n",
	       "net", "MFLOP", "weights", "sps p50", "sps p99", "sps max",
	       "scal p50", "scal p99", "speedup", "bound8", "bound64",
	       "spk1/2 %");
	for (size_t k = 0; k < sizeof(hs) / sizeof(hs[0]); k++) {
		struct net n;
		struct scalar sc;
		struct sps_plan *pl;
		char err[256];
		size_t len;
		void *blob;
		float x[64] = { 0 }, y[3];
		unsigned int s = 777;
		struct stat3 a, b;
		double flops, spikes = 0, spikes2 = 0;

		net_init(&n, 64, hs[k], 3);
		blob = build(&n, &len);
		pl = sps_plan_create(blob, len, 0, err, sizeof(err));
		if (!pl) {
			fprintf(stderr, "bench-sps: %s\n", err);
			return 1;
		}
		for (size_t i = 0; i < steps + 1000; i++) {
			double t0, t1;
			const float *v, *z;
			size_t nn;

			for (int j = 0; j < 64; j++)
				x[j] = 0.95f * x[j] + 0.1f * (2.0f * frand(&s) - 1.0f);
			t0 = now_ns();
			sps_plan_step(pl, x, 64, y, 3);
			t1 = now_ns();
			if (i >= 1000) {
				t[i - 1000] = t1 - t0;
				sps_plan_layer_state(pl, 0, &v, &z, &nn);
				for (size_t j = 0; j < nn; j++)
					spikes += z[j];
				sps_plan_layer_state(pl, 1, &v, &z, &nn);
				for (size_t j = 0; j < nn; j++)
					spikes2 += z[j];
			}
		}
		a = summarise(t, steps);

		sc.n = &n;
		sc.v1 = calloc(n.h, 4);
		sc.z1 = calloc(n.h, 4);
		sc.v2 = calloc(n.h, 4);
		sc.z2 = calloc(n.h, 4);
		sc.v3 = calloc(n.nout, 4);
		sc.a = calloc(n.h, 4);
		for (size_t i = 0; i < steps + 1000; i++) {
			double t0, t1;

			for (int j = 0; j < 64; j++)
				x[j] = 0.95f * x[j] + 0.1f * (2.0f * frand(&s) - 1.0f);
			t0 = now_ns();
			scalar_step(&sc, x, y);
			t1 = now_ns();
			if (i >= 1000)
				t[i - 1000] = t1 - t0;
		}
		b = summarise(t, steps);

		flops = 2.0 * (64.0 * n.h + (double)n.h * n.h + 3.0 * n.h) +
			4.0 * (2 * n.h + 3);
		char name[32];

		snprintf(name, sizeof(name), "64-%zux2-3", n.h);
		printf("%-10s %9.3f %7.2fM | %7.2fus %7.2fus %7.2fus | %7.2fus %7.2fus | %6.1fx | %7.2fus %7.2fus | %4.1f/%4.1f\n",
		       name, flops / 1e6,
		       (64.0 * n.h + (double)n.h * n.h + 3.0 * n.h) * 4 / 1e6,
		       a.p50 / 1e3, a.p99 / 1e3, a.max / 1e3, b.p50 / 1e3,
		       b.p99 / 1e3, b.p50 / a.p50,
		       mhz > 0 ? flops / (mhz * 1e-3 * 8) / 1e3 : 0,
		       mhz > 0 ? flops / (mhz * 1e-3 * 64) / 1e3 : 0,
		       100.0 * spikes / ((double)steps * n.h),
		       100.0 * spikes2 / ((double)steps * n.h));
		sps_plan_destroy(pl);
		free(blob);
		free(sc.v1);
		free(sc.z1);
		free(sc.v2);
		free(sc.z2);
		free(sc.v3);
		free(sc.a);
		free(n.w1);
		free(n.b1);
		free(n.w2);
		free(n.b2);
		free(n.w3);
		free(n.b3);
	}
	printf("weights in MB of float32; spk1/2 = spike rates of the two hidden layers (the SPS kernel skips silent inputs)\n");
	free(t);
	return 0;
}
