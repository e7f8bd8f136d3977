/* SPDX-License-Identifier: MIT */
/* Creation of spinal-core's shared regions (core side). */
#ifndef SPINAL_CORE_SHM_H
#define SPINAL_CORE_SHM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <spinal/region.h>

struct core_sect_spec {
	uint32_t id;
	uint32_t elem_size;
	uint64_t size;
};

struct core_region {
	struct spinal_region_hdr *hdr;
	size_t len;
	char path[96];
};

/*
 * core_region_create - create "/spinal.<instance>.<kind>" with O_EXCL, sized
 * for @n sections laid out 64-byte aligned (4 KiB for sections >= 64 KiB),
 * mode @mode and the spinal group when it exists.  An existing object is
 * replaced when it is stale; for STATS, an object whose creator is alive and
 * not stopped is refused (-EBUSY, "already running").  Main thread, setup.
 * Returns 0 or -errno with a one-line reason in @err.
 */
int core_region_create(struct core_region *r, const char *instance, uint32_t kind,
		       const struct core_sect_spec *spec, unsigned int n, mode_t mode,
		       char *err, size_t errlen);

/*
 * core_region_format - size the open object @fd for @n sections, map it
 * read-write into r->hdr/r->len, zero it (prefaulting every page) and write
 * the header (magic not yet: core_region_publish()).  r->path names the
 * object in messages.  Used for shm_open objects and for memfds
 * (rtcore/handoff.c).  Main thread, setup.  Returns 0 or -errno + @err.
 */
int core_region_format(struct core_region *r, int fd, const char *instance, uint32_t kind,
		       const struct core_sect_spec *spec, unsigned int n, char *err, size_t errlen);

/* Mark the header complete (after sections are initialised).  Main thread. */
void core_region_publish(struct core_region *r);

/* Unmap (and with @unlink remove the name).  NULL-safe.  Main thread. */
void core_region_close(struct core_region *r, int unlink_name);

#endif
