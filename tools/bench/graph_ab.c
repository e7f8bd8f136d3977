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
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rtcore/graph.h"
#include "rtcore/graph_edit.h"
#include "rtcore/knn.h"

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

	if (argc != 4 || (strcmp(argv[1], "load") && strcmp(argv[1], "knn"))) {
		fprintf(stderr, "usage: graph_ab load N REPS | graph_ab knn N QUERIES\n");
		return 2;
	}
	n = (uint32_t)atoi(argv[2]);
	s = n;
	while (side * side < n)
		side++;
	m = spinal_gm_create(n);
	if (!m)
		return 1;
	if (!strcmp(argv[1], "load")) {
		int reps = atoi(argv[3]), r;
		double *t = calloc((size_t)reps + 1, sizeof(*t));

		for (i = 0; i < n; i++)
			spinal_gm_node_add(m, i, 0, (float)(i % side) + rndf(&s, -0.3f, 0.3f),
					   (float)(i / side) + rndf(&s, -0.3f, 0.3f), 0);
		for (i = 0; i < n; i++) {
			if (i % side + 1 < side && i + 1 < n)
				spinal_gm_edge_add(m, i, i + 1, 0, 1);
			if (i + side < n)
				spinal_gm_edge_add(m, i, i + side, 0, 1);
		}
		spinal_gm_set_goal(m, 0);
		for (r = 0; r < reps; r++) {
			double t0 = now_ms();

			g = spinal_graph_build(m, 1);
			t[r] = now_ms() - t0;
			spinal_graph_free(g, 0);
		}
		qsort(t, (size_t)reps, sizeof(*t), dcmp);
		printf("load %u %.3f\n", n, t[reps / 2]);
		free(t);
	} else {
		int q = atoi(argv[3]);
		struct spinal_knn_hit h[8];
		volatile float sink = 0;

		for (i = 0; i < n; i++)
			spinal_gm_node_add(m, i, 0, rndf(&s, 0, (float)side), rndf(&s, 0, (float)side), 0);
		g = spinal_graph_build(m, 1);
		for (i = 0; i < (uint32_t)q; i++) {
			float x = rndf(&s, 0, (float)side), y = rndf(&s, 0, (float)side);

			if (spinal_graph_knn(g, x, y, 8, h) > 0)
				sink += h[0].dist;
		}
		(void)sink;
		printf("knn %u %d\n", n, q);
		spinal_graph_free(g, 0);
	}
	spinal_gm_destroy(m);
	return 0;
}
