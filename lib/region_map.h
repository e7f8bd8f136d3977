/* SPDX-License-Identifier: MIT */
/* Read/attach side of the shared regions (agent, inspector, audit). */
#ifndef SPINAL_LIB_REGION_MAP_H
#define SPINAL_LIB_REGION_MAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * spinal_region_map - open "/spinal.<instance>.<kind>", map it read-only (or
 * read-write when @writable) and validate its header.  Any non-RT thread.
 * Returns the mapping (length in *lenp) or NULL with errno set and a one-line
 * operator message in @err.
 */
void *spinal_region_map(const char *instance, uint32_t kind, int writable,
			size_t *lenp, char *err, size_t errlen);

#endif
