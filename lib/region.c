// SPDX-License-Identifier: MIT
/* Region header validation, naming and read-side mapping, for every program. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spinal/region.h>
#include <spinal/shm.h>

#include "lib/region_map.h"

int spinal_region_check(const volatile struct spinal_region_hdr *h, size_t maplen,
			uint32_t kind, const char **why)
{
	const char *dummy;
	uint64_t size;
	uint32_t n, i;

	if (!why)
		why = &dummy;
	if (maplen < sizeof(*h)) {
		*why = "region smaller than its header";
		return -EBADMSG;
	}
	if (h->magic != SPINAL_REGION_MAGIC) {
		*why = "bad magic: not a spinal region";
		return -EPROTO;
	}
	if (h->kind != kind) {
		*why = "region kind differs from the one expected";
		return -EPROTO;
	}
	if (h->abi_major != SPINAL_ABI_MAJOR) {
		*why = "ABI major version differs: rebuild the reader or the core";
		return -ENOTSUP;
	}
	size = h->size;
	if (size > maplen || h->hdr_size != sizeof(*h)) {
		*why = "region size or header size does not match the mapping";
		return -EBADMSG;
	}
	n = h->nsections;
	if (n > SPINAL_MAX_SECTIONS) {
		*why = "section table too long";
		return -EBADMSG;
	}
	for (i = 0; i < n; i++) {
		uint64_t off = h->sect[i].off, sz = h->sect[i].size;

		if (off < sizeof(*h) || off > size || sz > size - off || off % 8) {
			*why = "section lies outside the region";
			return -EBADMSG;
		}
	}
	*why = NULL;
	return 0;
}

void *spinal_region_section(const struct spinal_region_hdr *h, uint32_t id,
			    uint64_t *size, uint32_t *elem_size)
{
	uint32_t i, n = h->nsections;

	if (n > SPINAL_MAX_SECTIONS)
		return NULL;
	for (i = 0; i < n; i++) {
		if (h->sect[i].id != id)
			continue;
		if (size)
			*size = h->sect[i].size;
		if (elem_size)
			*elem_size = h->sect[i].elem_size;
		return (char *)h + h->sect[i].off;
	}
	return NULL;
}

const char *spinal_state_name(uint32_t state)
{
	switch (state) {
	case SPINAL_STATE_STARTING:
		return "starting";
	case SPINAL_STATE_RUNNING:
		return "running";
	case SPINAL_STATE_STOPPING:
		return "stopping";
	case SPINAL_STATE_STOPPED:
		return "stopped";
	default:
		return "none";
	}
}

const char *spinal_region_suffix(uint32_t kind)
{
	switch (kind) {
	case SPINAL_REGION_STATS:
		return "stats";
	case SPINAL_REGION_TELEM:
		return "telem";
	case SPINAL_REGION_CONS:
		return "cons";
	case SPINAL_REGION_CFG:
		return "cfg";
	case SPINAL_REGION_IO:
		return "io";
	case SPINAL_REGION_IO_STATE:
		return "iostate";
	default:
		return NULL;
	}
}

int spinal_instance_valid(const char *instance)
{
	size_t i, n = strlen(instance);

	if (n == 0 || n >= SPINAL_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = instance[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int spinal_region_path(char *buf, size_t len, const char *instance, uint32_t kind)
{
	const char *suf = spinal_region_suffix(kind);
	int n;

	if (!suf || !spinal_instance_valid(instance))
		return -EINVAL;
	n = snprintf(buf, len, "/spinal.%s.%s", instance, suf);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

void *spinal_region_map(const char *instance, uint32_t kind, int writable,
			size_t *lenp, char *err, size_t errlen)
{
	char path[96];
	const char *why;
	struct stat st;
	void *p;
	int fd, rc, saved;

	rc = spinal_region_path(path, sizeof(path), instance, kind);
	if (rc) {
		snprintf(err, errlen, "invalid instance name '%s': use 1-31 of [A-Za-z0-9_-]",
			 instance);
		errno = -rc;
		return NULL;
	}
	fd = shm_open(path, writable ? O_RDWR : O_RDONLY, 0);
	if (fd < 0) {
		saved = errno;
		if (saved == ENOENT)
			snprintf(err, errlen, "no spinal-core instance '%s' (/dev/shm%s missing): start spinal-core --name %s",
				 instance, path, instance);
		else if (saved == EACCES)
			snprintf(err, errlen, "cannot open /dev/shm%s: permission denied; join the '%s' group or run as the core's user",
				 path, SPINAL_GROUP);
		else
			snprintf(err, errlen, "cannot open /dev/shm%s: %s", path, strerror(saved));
		errno = saved;
		return NULL;
	}
	if (fstat(fd, &st) < 0 || st.st_size < (off_t)sizeof(struct spinal_region_hdr)) {
		saved = errno ? errno : EBADMSG;
		snprintf(err, errlen, "/dev/shm%s is too small to be a spinal region (core still starting?)",
			 path);
		close(fd);
		errno = saved;
		return NULL;
	}
	p = mmap(NULL, (size_t)st.st_size, writable ? PROT_READ | PROT_WRITE : PROT_READ,
		 MAP_SHARED, fd, 0);
	saved = errno;
	close(fd);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "cannot map /dev/shm%s: %s", path, strerror(saved));
		errno = saved;
		return NULL;
	}
	rc = spinal_region_check(p, (size_t)st.st_size, kind, &why);
	if (rc) {
		const struct spinal_region_hdr *h = p;

		if (rc == -ENOTSUP)
			snprintf(err, errlen, "/dev/shm%s has ABI %u.%u, this program understands %d.x: %s",
				 path, h->abi_major, h->abi_minor, SPINAL_ABI_MAJOR, why);
		else
			snprintf(err, errlen, "/dev/shm%s is not a valid spinal region: %s", path, why);
		munmap(p, (size_t)st.st_size);
		errno = -rc;
		return NULL;
	}
	*lenp = (size_t)st.st_size;
	return p;
}
