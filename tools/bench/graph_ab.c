// SPDX-License-Identifier: MIT
/*
 * graph_ab - the half of tools/bench/graph_ab.sh that runs inside one build:
 * uses only the graph API that every version since issue 3 has, so the same
 * source is compiled against the tree under test and against a base commit.
 *
 *   graph_ab load N REPS   whole-map build of an N-node lattice, REPS times:
 *                          prints "load N <median ms>"
 *   graph_ab knn N Q       Q fixed 8-NN queries on an N-node uniform map
 *                          (run under callgrind, --toggle-collect=spinal_graph_knn)
 *   graph_ab knnt N Q      the same queries along a path (1 mm apart, as SFS
 *                          asks at 1 m/s and 1 kHz), timed: "knnt N <ns/query>"
 *   graph_ab sfs N Q       Q SFS ticks (k = 8, no cache) along a path on an
 *                          N-node lattice with a goal: kNN, on-path, next hop
 *                          (callgrind, --toggle-collect=sfs_compute)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <spinal/config.h>

#include "rtcore/graph.h"
#include "rtcore/graph_edit.h"
#include "rtcore/knn.h"
#include "rtcore/sfs.h"

/* Nodes and edges as a graph blob: loading one is O(E log E) in every
 * version (single edits were O(E) each before issue 15). */
struct blob {
	struct spinal_graph_blob_hdr h;
	struct spinal_graph_blob_node *nodes;
	struct spinal_graph_blob_edge *edges;
	uint32_t nn, ne, cap;
};

static void edge(struct blob *b, uint32_t from, uint32_t to)
{
	b->edges[b->ne++] = (struct spinal_graph_blob_edge){ from, to, 0, 0 };
	b->edges[b->ne++] = (struct spinal_graph_blob_edge){ to, from, 0, 0 };
}

static struct spinal_gmodel *load(struct blob *b, uint32_t goal)
{
	size_t len = sizeof(b->h) + (size_t)b->nn * sizeof(*b->nodes) + (size_t)b->ne * sizeof(*b->edges);
	unsigned char *p = calloc(1, len);
	struct spinal_gmodel *m = NULL;

	b->h.magic = SPINAL_GRAPH_BLOB_MAGIC;
	b->h.version = SPINAL_GRAPH_BLOB_VERSION;
	b->h.hdr_size = sizeof(b->h);
	b->h.nnodes = b->nn;
	b->h.nedges = b->ne;
	b->h.goal_id = goal;
	b->h.nodes_off = sizeof(b->h);
	b->h.edges_off = b->h.nodes_off + (uint64_t)b->nn * sizeof(*b->nodes);
	b->h.total_len = len;
	memcpy(p, &b->h, sizeof(b->h));
	memcpy(p + b->h.nodes_off, b->nodes, (size_t)b->nn * sizeof(*b->nodes));
	memcpy(p + b->h.edges_off, b->edges, (size_t)b->ne * sizeof(*b->edges));
	if (spinal_gm_from_blob(p, len, b->nn, &m))
		m = NULL;
	free(p);
	return m;
}

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static float rndf(uint64_t *s, float lo, float hi)
{
	return lo + (hi - lo) * (float)((rnd(s) >> 11) * (1.0 / 9007199254740992.0));
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	uint32_t n, i, side = 1;
	uint64_t s;
	struct spinal_gmodel *m;
	struct spinal_graph *g;

	if (argc != 4 || (strcmp(argv[1], "load") && strcmp(argv[1], "knn") && strcmp(argv[1], "knnt") &&
			  strcmp(argv[1], "sfs"))) {
		fprintf(stderr, "usage: graph_ab load N REPS | graph_ab knn|knnt|sfs N QUERIES\n");
		return 2;
	}
	n = (uint32_t)atoi(argv[2]);
	s = n;
	while (side * side < n)
		side++;
	struct blob b = { 0 };

	b.nodes = calloc((size_t)n + 1, sizeof(*b.nodes));
	b.edges = calloc(4 * (size_t)n + 1, sizeof(*b.edges));
	if (!strcmp(argv[1], "load") || !strcmp(argv[1], "sfs")) {
		int reps = atoi(argv[3]), r;
		double *t = calloc((size_t)reps + 1, sizeof(*t));

		for (i = 0; i < n; i++)
			b.nodes[b.nn++] = (struct spinal_graph_blob_node){
				i, 0, (float)(i % side) + rndf(&s, -0.3f, 0.3f),
				(float)(i / side) + rndf(&s, -0.3f, 0.3f), 0, 0 };
		for (i = 0; i < n; i++) {
			if (i % side + 1 < side && i + 1 < n)
				edge(&b, i, i + 1);
			if (i + side < n)
				edge(&b, i, i + side);
		}
		m = load(&b, 0);
		if (!m)
			return 1;
		if (!strcmp(argv[1], "sfs")) {
			struct sfs_cfg sc;
			struct sfs sf;
			struct sfs_out o;
			float x = 0.5f, y = (float)side / 2, hd = 0.3f;
			volatile float sink = 0;

			g = spinal_graph_build(m, 1);
			sfs_defaults(&sc);
			sfs_init(&sf, &sc);
			for (r = 0; r < reps; r++) {
				hd += rndf(&s, -0.01f, 0.01f);
				x += 0.001f * cosf(hd);
				y += 0.001f * sinf(hd);
				if (x < 0 || y < 0 || x > (float)side || y > (float)side)
					hd += 3.14159f;
				sfs_compute(&sf, g, x, y, hd, 1.0f, 0.0f, 0, 0, &o);
				sink += o.f[3];
			}
			(void)sink;
			printf("sfs %u %d\n", n, reps);
			spinal_graph_free(g, 0);
			reps = 0;
		}
		for (r = 0; r < reps; r++) {
			double t0 = now_ms();

			g = spinal_graph_build(m, 1);
			t[r] = now_ms() - t0;
			spinal_graph_free(g, 0);
		}
		qsort(t, (size_t)reps, sizeof(*t), dcmp);
		if (reps)
			printf("load %u %.3f\n", n, t[reps / 2]);
		free(t);
	} else {
		int q = atoi(argv[3]);
		struct spinal_knn_hit h[8];
		volatile float sink = 0;

		for (i = 0; i < n; i++)
			b.nodes[b.nn++] = (struct spinal_graph_blob_node){
				i, 0, rndf(&s, 0, (float)side), rndf(&s, 0, (float)side), 0, 0 };
		m = load(&b, SPINAL_NODE_NONE);
		if (!m)
			return 1;
		g = spinal_graph_build(m, 1);
		if (!strcmp(argv[1], "knn")) {
			for (i = 0; i < (uint32_t)q; i++) {
				float x = rndf(&s, 0, (float)side), y = rndf(&s, 0, (float)side);

				if (spinal_graph_knn(g, x, y, 8, h) > 0)
					sink += h[0].dist;
			}
			printf("knn %u %d\n", n, q);
		} else {
			float x = (float)side / 2, y = (float)side / 2, hd = 0;
			double t0 = now_ms();

			for (i = 0; i < (uint32_t)q; i++) {
				hd += rndf(&s, -0.01f, 0.01f);
				x += 0.001f * cosf(hd);
				y += 0.001f * sinf(hd);
				if (x < 0 || y < 0 || x > (float)side || y > (float)side)
					hd += 3.14159f; /* bounce off the edges */
				if (spinal_graph_knn(g, x, y, 8, h) > 0)
					sink += h[0].dist;
			}
			printf("knnt %u %.1f\n", n, (now_ms() - t0) * 1e6 / q);
		}
		(void)sink;
		spinal_graph_free(g, 0);
	}
	spinal_gm_destroy(m);
	free(b.nodes);
	free(b.edges);
	return 0;
}
