/* SPDX-License-Identifier: MIT */
/*
 * NIR import (agent side, unprivileged): reads a NIR graph from HDF5 with
 * libhdf5 and lowers it to a spinal model blob (include/spinal/model_blob.h)
 * with an explicit discretisation.  See docs/model.md.
 *
 * Supported nodes: Input, Output, Affine, Linear, Scale, LIF, CubaLIF, LI,
 * CubaLI, IF, I and nested NIRGraph; feed-forward and recurrent edges (a
 * cycle must pass through a neuron node).  Anything else is an error that
 * names the node and its type.
 */
#ifndef SPINAL_USERSPACE_NIR_H
#define SPINAL_USERSPACE_NIR_H

#include <stddef.h>
#include <stdio.h>

/* The numbers are the blob's enum spinal_model_convention. */
enum nir_convention {
	NIR_CONV_FILE = -1,    /* the file's spinal_convention attribute, else
				* nir (the default of every importer) */
	NIR_CONV_NIR = 0,      /* NIR ODEs, forward Euler, reset to v_reset */
	NIR_CONV_SNNTORCH = 1, /* snnTorch export: dt = tau/r, subtract reset
				* one tick late (reset_delay) */
	NIR_CONV_NORSE = 2,    /* Norse export: dt 1e-3 s default, current
				* jumps by the input after the voltage step */
	NIR_CONV_ROCKPOOL = 3, /* Rockpool export: exact exponential decay,
				* dt from r = tau exp(-dt/tau) / dt,
				* multi-spike subtract reset */
	NIR_CONV_SINABS = 4,   /* Sinabs export: one step per tick (tau in
				* ticks), exact decay, multi-spike subtract */
	NIR_CONV_COUNT = 5,
};

#define NIR_RESET_DEFAULT (-1)

struct nir_opts {
	double dt;            /* seconds; <= 0: convention default (NIR: error) */
	int convention;       /* enum nir_convention (NIR_CONV_FILE: default) */
	int reset;            /* enum spinal_model_reset or NIR_RESET_DEFAULT */
	unsigned int context_len; /* ticks of temporal context in the plan */
};

struct nir_graph;

/* Any non-RT thread; not RT-safe.  Parses a NIR file (no lowering).
 * Returns the graph or NULL with errno and a one-line reason in err. */
struct nir_graph *nir_read(const char *path, char *err, size_t errlen);

/* NULL is a no-op. */
void nir_graph_free(struct nir_graph *g);

/* Human-readable listing: version, nodes, types, shapes, unsupported nodes. */
void nir_graph_print(const struct nir_graph *g, FILE *f);

/* Lowers a parsed graph.  On success *blob (malloc'd, 64-byte aligned,
 * free()) and *len are set and 0 is returned; else -errno and err.
 * If dt_used is not NULL it receives the dt actually used. */
int nir_graph_lower(const struct nir_graph *g, const struct nir_opts *o,
		    void **blob, size_t *len, double *dt_used, char *err,
		    size_t errlen);

/* Any non-RT thread; not RT-safe.  nir_read() + nir_graph_lower() with the
 * NIR convention, default reset and the given dt (seconds).  Returns 0 or
 * -errno with a one-line reason in err. */
int nir_load_blob(const char *path, double dt, void **blob, size_t *len,
		  char *err, size_t errlen);

/* The same with every option. */
int nir_load_blob_opts(const char *path, const struct nir_opts *o, void **blob,
		       size_t *len, char *err, size_t errlen);

/* "nir", "snntorch", "norse", "rockpool", "sinabs" -> enum nir_convention,
 * or -2 (NIR_CONV_FILE is -1). */
int nir_convention_parse(const char *s);
/* "value", "subtract", "subtract-delayed", "subtract-multi" ->
 * enum spinal_model_reset, or -1 */
int nir_reset_parse(const char *s);
const char *nir_reset_name(int reset);
const char *nir_convention_name(int conv);

/* After a successful nir_graph_lower(): the convention and default reset it
 * used, and the NIR node of neuron layer k (the order of
 * sps_plan_layer_state()), or NULL. */
int nir_graph_convention(const struct nir_graph *g);
int nir_graph_reset(const struct nir_graph *g);
const char *nir_graph_layer_name(const struct nir_graph *g, unsigned int k);

#endif /* SPINAL_USERSPACE_NIR_H */
