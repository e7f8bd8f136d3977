/* SPDX-License-Identifier: MIT */
/*
 * Private to the snapshot builder (graph.c: objects and the full build,
 * graph_incr.c: the incremental builder).  Updater thread only.
 */
#ifndef SPINAL_RTCORE_GRAPH_IMPL_H
#define SPINAL_RTCORE_GRAPH_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "graph.h"
#include "graph_edit.h"
#include "graph_route.h"

struct gsnap_geom {
	float gx0, gy0, cell, inv_cell;
	uint32_t gw, gh, tw, th;
};

/* Checksums of the objects, and the header's share of content_hash. */
uint64_t gsnap_page_sum(const struct spinal_gpage *p);
uint64_t gsnap_adj_sum(const struct spinal_gadj *a);
uint64_t gsnap_tile_sum(const struct spinal_gtile *t);
uint64_t gsnap_hdr_sum(const struct spinal_graph *g);
size_t gsnap_adj_bytes(uint32_t cap);
size_t gsnap_tile_bytes(uint32_t cap);

/* Grid geometry for the model's nodes (~2 per cell, <= 4n + 16 cells). */
void gsnap_grid_size(struct gsnap_geom *g, const struct spinal_gmodel *m);
/* The geometry of snapshot @g. */
void gsnap_geom_of(struct gsnap_geom *gm, const struct spinal_graph *g);
/* Tile of a position and the cell's index inside it (*j). */
uint32_t gsnap_tile_of(const struct gsnap_geom *g, float x, float y, uint32_t *j);
/* 1 if the position lies outside the grid's box (a border cell holds it). */
int gsnap_outside(const struct gsnap_geom *g, float x, float y);
/* Slots of a fresh model in grid-cell order.  0 or -ENOMEM. */
int gsnap_layout_by_cell(struct spinal_gmodel *m);

/* Objects built from the model and the route; NULL on ENOMEM. */
struct spinal_gpage *gsnap_page_alloc(void);
void gsnap_node_fill(struct spinal_gnode *d, const struct spinal_gmodel *m,
		     const struct groute *r, uint32_t s);
struct spinal_gpage *gsnap_page_new(const struct spinal_gmodel *m, const struct groute *r,
				    uint32_t pi, uint64_t gen);
struct spinal_gadj *gsnap_adj_new(const struct spinal_gmodel *m, uint32_t pi, uint64_t gen);
/* Every tile of grid @gm into tiles[] (checksummed); *bytes grows.  0 or -ENOMEM. */
int gsnap_tiles_new(const struct spinal_gmodel *m, const struct gsnap_geom *gm, uint64_t gen,
		    struct spinal_gtile **tiles, size_t *bytes);
/* A header for @m with geometry @gm (tables not set). */
struct spinal_graph *gsnap_hdr_new(const struct spinal_gmodel *m, const struct groute *r,
				   const struct gsnap_geom *gm, uint64_t gen);
/* A whole snapshot from scratch; *sum_total = the sum of its object checksums. */
struct spinal_graph *gsnap_build_all(const struct spinal_gmodel *m, const struct groute *r,
				     uint64_t gen, uint64_t *sum_total);
/* free(), overwritten with SPINAL_GRAPH_POISON_BYTE first if @poison. */
void gsnap_obj_free(void *p, size_t len, int poison);

#endif /* SPINAL_RTCORE_GRAPH_IMPL_H */
