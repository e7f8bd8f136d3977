/* SPDX-License-Identifier: MIT */
/* Helpers shared by the graph/updater tests: random maps, blobs, messages. */
#ifndef SPINAL_TESTS_GRAPH_TESTUTIL_H
#define SPINAL_TESTS_GRAPH_TESTUTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <spinal/config.h>

#include "rtcore/graph_edit.h"

static inline uint64_t tu_rand(uint64_t *s)
{
	/* splitmix64 */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline float tu_randf(uint64_t *s, float lo, float hi)
{
	return lo + (hi - lo) * (float)((tu_rand(s) >> 11) * (1.0 / 9007199254740992.0));
}

/* Random map: @n nodes with ids 10*i+7 in [0, side]^2, ~@deg random edges each
 * (directed, random cost or 0 = Euclidean), goal = first node. */
static inline struct spinal_gmodel *tu_random_model(uint64_t seed, uint32_t n, uint32_t deg,
						    float side)
{
	struct spinal_gmodel *m = spinal_gm_create(n + 16);
	uint64_t s = seed;
	uint32_t i, j;

	for (i = 0; i < n; i++)
		spinal_gm_node_add(m, 10 * i + 7, 0, tu_randf(&s, 0, side), tu_randf(&s, 0, side), 0);
	for (i = 0; i < n && n > 1; i++)
		for (j = 0; j < deg; j++) {
			uint32_t t = (uint32_t)(tu_rand(&s) % n);
			float c = (tu_rand(&s) & 1) ? tu_randf(&s, 0.1f, 50.0f) : 0.0f;

			spinal_gm_edge_add(m, 10 * i + 7, 10 * t + 7, c, 0);
		}
	if (n)
		spinal_gm_set_goal(m, 7);
	return m;
}

/* Serialise a model into a graph blob (malloc'd, *len set). */
static inline void *tu_blob_from_model(const struct spinal_gmodel *m, size_t *len)
{
	struct spinal_graph_blob_hdr h = { 0 };
	unsigned char *b;
	uint32_t i;

	h.magic = SPINAL_GRAPH_BLOB_MAGIC;
	h.version = SPINAL_GRAPH_BLOB_VERSION;
	h.hdr_size = sizeof(h);
	h.nnodes = m->n;
	h.nedges = m->ne;
	h.goal_id = m->goal_id;
	h.nodes_off = sizeof(h);
	h.edges_off = h.nodes_off + (uint64_t)m->n * sizeof(struct spinal_graph_blob_node);
	h.total_len = h.edges_off + (uint64_t)m->ne * sizeof(struct spinal_graph_blob_edge);
	*len = h.total_len;
	b = calloc(1, h.total_len);
	memcpy(b, &h, sizeof(h));
	for (i = 0; i < m->n; i++) {
		struct spinal_graph_blob_node bn = { m->nodes[i].id, m->nodes[i].flags, m->nodes[i].x,
						     m->nodes[i].y, m->nodes[i].visits, 0 };

		memcpy(b + h.nodes_off + (size_t)i * sizeof(bn), &bn, sizeof(bn));
	}
	{
		struct spinal_gm_edge *ed = malloc(((size_t)m->ne + 1) * sizeof(*ed));

		spinal_gm_edges(m, ed);
		for (i = 0; i < m->ne; i++) {
			struct spinal_graph_blob_edge be = { ed[i].from, ed[i].to, ed[i].cost, 0 };

			memcpy(b + h.edges_off + (size_t)i * sizeof(be), &be, sizeof(be));
		}
		free(ed);
	}
	return b;
}

static inline struct spinal_cfg_msg tu_msg(uint32_t type, uint64_t seq, const void *p, uint32_t len)
{
	struct spinal_cfg_msg m;

	memset(&m, 0, sizeof(m));
	m.magic = SPINAL_CFG_MAGIC;
	m.type = type;
	m.seq = seq;
	m.len = len;
	if (len)
		memcpy(m.payload, p, len);
	return m;
}

#endif /* SPINAL_TESTS_GRAPH_TESTUTIL_H */
