/* SPDX-License-Identifier: MIT */
/*
 * Pure validation of config messages and staged blobs (no state, no I/O):
 * every function looks only at a private copy the caller made and returns
 * 0 or SPINAL_CFG_REJECT(reason).  Any thread; unit-tested on their own.
 */
#ifndef SPINAL_RTCORE_CFG_VALIDATE_H
#define SPINAL_RTCORE_CFG_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include <spinal/config.h>

#define SPINAL_CFG_REJECT(r) (-1 - (int)(r))
/* Reason of a negative result of the functions below. */
#define SPINAL_CFG_REASON(rc) ((unsigned int)(-1 - (rc)))

/*
 * spinal_cfg_validate_msg - header and payload fields of @m.
 * @last_seq: sequence number of the last accepted message (0 = none yet,
 * so the first valid seq is 1); @staging_len: bytes of the staging area.
 * Checks magic, type, length, reserved bytes, flags, finiteness and ranges;
 * not whether ids exist (that is the model's business).
 */
int spinal_cfg_validate_msg(const struct spinal_cfg_msg *m, uint64_t last_seq,
			    uint64_t staging_len);

/* Node fields shared by messages and blobs. */
int spinal_cfg_validate_node(uint32_t id, uint32_t flags, float x, float y);

/* Edge fields shared by messages and blobs (cost 0 = Euclidean). */
int spinal_cfg_validate_edge(uint32_t from, uint32_t to, float cost);

/*
 * spinal_cfg_validate_graph_blob - header and every record of a graph blob
 * of @len bytes (private copy, 8-aligned).  @max_nodes caps nnodes; edges
 * are capped at nnodes * SPINAL_GRAPH_MAX_DEGREE.
 */
int spinal_cfg_validate_graph_blob(const void *blob, size_t len, uint32_t max_nodes);

#endif /* SPINAL_RTCORE_CFG_VALIDATE_H */
