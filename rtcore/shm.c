// SPDX-License-Identifier: MIT
/* spinal-core: create, replace and publish shared regions. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <spinal/shm.h>

#include "lib/host.h"
#include "rtcore/shm.h"

static uint64_t now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t run_start_rt, run_start_mono;

static uint64_t boot_id_hash(void)
{
	char buf[64];
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	int i, n = spinal_read_file("/proc/sys/kernel/random/boot_id", buf, sizeof(buf));

	for (i = 0; i < n; i++)
		h = (h ^ (uint8_t)buf[i]) * 1099511628211ull;
	return h;
}

/* Is the STATS region at @path owned by a live, running core? */
static int stats_region_live(const char *path, pid_t *pid)
{
	struct spinal_region_hdr h;
	ssize_t n;
	int fd = shm_open(path, O_RDONLY, 0);

	if (fd < 0)
		return 0;
	n = pread(fd, &h, sizeof(h), 0);
	close(fd);
	if (n != (ssize_t)sizeof(h) || h.magic != SPINAL_REGION_MAGIC)
		return 0;
	*pid = h.creator_pid;
	if (h.creator_pid <= 0 || h.creator_pid == getpid())
		return 0;
	if (atomic_load(&h.state) == SPINAL_STATE_STOPPED)
		return 0;
	if (h.boot_id_hash != boot_id_hash())
		return 0;
	return kill(h.creator_pid, 0) == 0 || errno == EPERM;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

int core_region_format(struct core_region *r, int fd, const char *instance, uint32_t kind,
		       const struct core_sect_spec *spec, unsigned int n, char *err, size_t errlen)
{
	struct spinal_region_hdr *h;
	uint64_t off = sizeof(*h);
	unsigned int i;
	int rc;

	if (n > SPINAL_MAX_SECTIONS)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		off = align_up(off, spec[i].size >= 65536 ? 4096 : 64);
		off += spec[i].size;
	}
	r->len = align_up(off, 4096);
	if (ftruncate(fd, (off_t)r->len) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot size %s to %zu bytes: %s", r->path, r->len,
			 strerror(-rc));
		return rc;
	}
	h = mmap(NULL, r->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (h == MAP_FAILED) {
		rc = -errno;
		snprintf(err, errlen, "cannot map %s: %s", r->path, strerror(-rc));
		return rc;
	}
	memset(h, 0, r->len); /* also prefaults every page */
	h->abi_major = SPINAL_ABI_MAJOR;
	h->abi_minor = SPINAL_ABI_MINOR;
	h->kind = kind;
	h->size = r->len;
	h->hdr_size = sizeof(*h);
	h->nsections = n;
	h->creator_pid = getpid();
	h->creator_uid = getuid();
	/* one start time for every region of this core run: readers match on it */
	if (!run_start_rt) {
		run_start_rt = now_ns(CLOCK_REALTIME);
		run_start_mono = now_ns(CLOCK_MONOTONIC);
	}
	h->start_realtime_ns = run_start_rt;
	h->start_mono_ns = run_start_mono;
	h->boot_id_hash = boot_id_hash();
	h->rt_cpu = -1;
	atomic_store_explicit(&h->state, SPINAL_STATE_STARTING, memory_order_relaxed);
	snprintf(h->name, sizeof(h->name), "%s", instance);
	off = sizeof(*h);
	for (i = 0; i < n; i++) {
		off = align_up(off, spec[i].size >= 65536 ? 4096 : 64);
		h->sect[i].id = spec[i].id;
		h->sect[i].elem_size = spec[i].elem_size;
		h->sect[i].off = off;
		h->sect[i].size = spec[i].size;
		off += spec[i].size;
	}
	r->hdr = h;
	return 0;
}

int core_region_create(struct core_region *r, const char *instance, uint32_t kind,
		       const struct core_sect_spec *spec, unsigned int n, mode_t mode,
		       char *err, size_t errlen)
{
	struct group *gr;
	char name[80];
	pid_t pid = 0;
	int fd, rc;

	memset(r, 0, sizeof(*r));
	if (n > SPINAL_MAX_SECTIONS)
		return -EINVAL;
	rc = spinal_region_path(name, sizeof(name), instance, kind);
	if (rc) {
		snprintf(err, errlen, "invalid instance name '%s': use 1-31 of [A-Za-z0-9_-]", instance);
		return rc;
	}
	snprintf(r->path, sizeof(r->path), "%s", name);
	if (kind == SPINAL_REGION_STATS && stats_region_live(r->path, &pid)) {
		snprintf(err, errlen, "instance '%s' is already run by spinal-core pid %d; stop it or choose another --name",
			 instance, (int)pid);
		return -EBUSY;
	}
	fd = shm_open(r->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0 && errno == EEXIST) {
		/* stale object from a dead or stopped core: replace it */
		shm_unlink(r->path);
		fd = shm_open(r->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	}
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot create /dev/shm%s: %s", r->path, strerror(-rc));
		return rc;
	}
	if (fchmod(fd, mode) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot set mode %04o on /dev/shm%s: %s", (unsigned int)mode,
			 r->path, strerror(-rc));
		goto out_unlink;
	}
	gr = getgrnam(SPINAL_GROUP);
	if (gr && fchown(fd, (uid_t)-1, gr->gr_gid) < 0 && errno != EPERM)
		snprintf(err, errlen, "note: cannot give /dev/shm%s to group %s", r->path, SPINAL_GROUP);
	snprintf(r->path, sizeof(r->path), "/dev/shm%s", name);
	rc = core_region_format(r, fd, instance, kind, spec, n, err, errlen);
	snprintf(r->path, sizeof(r->path), "%s", name);
	if (rc)
		goto out_unlink;
	close(fd);
	return 0;

out_unlink:
	close(fd);
	shm_unlink(r->path);
	return rc;
}

void core_region_publish(struct core_region *r)
{
	/* readers check magic first: make everything before it visible */
	atomic_thread_fence(memory_order_release);
	r->hdr->magic = SPINAL_REGION_MAGIC;
}

void core_region_close(struct core_region *r, int unlink_name)
{
	if (!r || !r->hdr)
		return;
	munmap(r->hdr, r->len);
	if (unlink_name)
		shm_unlink(r->path);
	r->hdr = NULL;
}
