/* SPDX-License-Identifier: MIT */
/*
 * NIR import private: the flattened graph shared by the HDF5 reader
 * (nir.c) and the lowering to a model blob (nir_lower.c).
 */
#ifndef SPINAL_USERSPACE_NIR_IMPL_H
#define SPINAL_USERSPACE_NIR_IMPL_H

#include <stddef.h>

#define NIR_MAX_NODES 512
#define NIR_MAX_EDGES 2048
#define NIR_MAX_DEPTH 8
#define NIR_MAX_RANK 4
#define NIR_MAX_ELEMS (16u << 20)
#define NIR_NAME_MAX 256

enum nir_kind {
	NK_UNSUPPORTED = 0,
	NK_INPUT,
	NK_OUTPUT,
	NK_IDENT,   /* Input/Output of a nested graph */
	NK_GRAPH,   /* a nested NIRGraph (placeholder, flattened) */
	NK_AFFINE,
	NK_LINEAR,
	NK_SCALE,
	NK_LIF,
	NK_CUBALIF,
	NK_LI,
	NK_CUBALI,
	NK_IF,
	NK_I,
};

enum nir_param {
	NP_WEIGHT, NP_BIAS, NP_TAU, NP_TAU_SYN, NP_TAU_MEM, NP_R, NP_V_LEAK,
	NP_V_THRESHOLD, NP_V_RESET, NP_W_IN, NP_SCALE, NP_SHAPE, NP_COUNT,
};

struct nir_arr {
	int present;
	int rank;
	size_t dims[NIR_MAX_RANK];
	size_t n;
	double *d;
};

struct nir_node {
	char name[NIR_NAME_MAX];  /* dotted path, e.g. "sub.lif" */
	char type[64];            /* as stored in the file */
	enum nir_kind kind;
	struct nir_arr p[NP_COUNT];
	size_t in_w, out_w;       /* flattened widths */
	int sub_in, sub_out;      /* NK_GRAPH: its Input / Output node */
};

struct nir_edge {
	int src, dst;
};

struct nir_graph {
	char version[64];
	char convention[32];      /* root attribute spinal_convention, or "" */
	char path[256];
	int n_nodes, n_edges;
	struct nir_node nodes[NIR_MAX_NODES];
	struct nir_edge edges[NIR_MAX_EDGES];
	/* filled by nir_graph_lower() */
	int used_convention, used_reset;
	int n_layers;
	int layer_node[NIR_MAX_NODES]; /* neuron op k -> node index */
};

const char *nir_param_name(enum nir_param p);
int nir_kind_is_neuron(enum nir_kind k);

#endif /* SPINAL_USERSPACE_NIR_IMPL_H */
