// SPDX-License-Identifier: MIT
/*
 * Userspace side of the spinal_wd kernel watchdog.  See lib/wd.h for the
 * contract and include/spinal/wd_uapi.h for the kernel interface.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/wd.h"

struct spinal_wd {
	int fd;
	enum spinal_wd_role role;
	long page;
	const struct spinal_wd_status *st;   /* read-only mapping */
	/* A1: release in spinal_wd_arm(); pairs with R1 in spinal_wd_beat() */
	struct spinal_wd_beat *_Atomic beat; /* owner, while armed */
	uint64_t n;                          /* RT thread only */
};

struct spinal_wd *spinal_wd_open(const char *path, enum spinal_wd_role role)
{
	struct spinal_wd_version v = { .len = sizeof(v) };
	struct spinal_wd *wd;
	void *p;
	int err;

	if (role != SPINAL_WD_OWNER && role != SPINAL_WD_SUPERVISOR) {
		errno = EINVAL;
		return NULL;
	}
	if (!path)
		path = getenv("SPINAL_WD_DEV");
	if (!path || !*path)
		path = SPINAL_WD_DEV;
	wd = calloc(1, sizeof(*wd));
	if (!wd)
		return NULL;
	wd->role = role;
	wd->fd = open(path, (role == SPINAL_WD_OWNER ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (wd->fd < 0) {
		err = errno == ENOENT || errno == ENXIO ? ENODEV : errno;
		goto out_free;
	}
	if (ioctl(wd->fd, SPINAL_WD_IOC_VERSION, &v) < 0) {
		err = errno == ENOTTY ? ENODEV : errno; /* not our device */
		goto out_close;
	}
	if (v.abi_major != SPINAL_WD_ABI_MAJOR || v.page_size < sizeof(struct spinal_wd_status)) {
		err = EPROTO;
		goto out_close;
	}
	wd->page = v.page_size;
	p = mmap(NULL, (size_t)wd->page, PROT_READ, MAP_SHARED, wd->fd,
		 (off_t)SPINAL_WD_PGOFF_STATUS * wd->page);
	if (p == MAP_FAILED) {
		err = errno;
		goto out_close;
	}
	wd->st = p;
	if (wd->st->magic != SPINAL_WD_STATUS_MAGIC) {
		err = EPROTO;
		munmap(p, (size_t)wd->page);
		goto out_close;
	}
	return wd;

out_close:
	close(wd->fd);
out_free:
	free(wd);
	errno = err;
	return NULL;
}

static void wd_unmap_beat(struct spinal_wd *wd)
{
	struct spinal_wd_beat *b = atomic_exchange_explicit(&wd->beat, NULL,
							    memory_order_acq_rel);

	if (b)
		munmap(b, (size_t)wd->page);
}

void spinal_wd_close(struct spinal_wd *wd)
{
	if (!wd)
		return;
	if (atomic_load_explicit(&wd->beat, memory_order_relaxed))
		spinal_wd_disarm(wd);
	wd_unmap_beat(wd);
	munmap((void *)wd->st, (size_t)wd->page);
	close(wd->fd);
	free(wd);
}

int spinal_wd_arm(struct spinal_wd *wd, uint64_t period_ns, uint64_t timeout_ns,
		  uint32_t miss_budget)
{
	struct spinal_wd_arm a = {
		.len = sizeof(a),
		.period_ns = period_ns,
		.timeout_ns = timeout_ns,
		.miss_budget = miss_budget,
	};
	void *p;

	if (!wd)
		return SPINAL_WD_NA;
	if (wd->role != SPINAL_WD_OWNER)
		return -EBADF;
	if (ioctl(wd->fd, SPINAL_WD_IOC_ARM, &a) < 0)
		return -errno;
	if (atomic_load_explicit(&wd->beat, memory_order_relaxed))
		return 0; /* re-arm: page already mapped */
	p = mmap(NULL, (size_t)wd->page, PROT_READ | PROT_WRITE, MAP_SHARED, wd->fd,
		 (off_t)SPINAL_WD_PGOFF_BEAT * wd->page);
	if (p == MAP_FAILED) {
		int err = errno;

		ioctl(wd->fd, SPINAL_WD_IOC_DISARM);
		return -err;
	}
	/* A1: publish the page; pairs with R1 in spinal_wd_beat() */
	atomic_store_explicit(&wd->beat, p, memory_order_release);
	return 0;
}

int spinal_wd_disarm(struct spinal_wd *wd)
{
	if (!wd)
		return SPINAL_WD_NA;
	if (ioctl(wd->fd, SPINAL_WD_IOC_DISARM) < 0)
		return -errno;
	return 0;
}

void spinal_wd_beat(struct spinal_wd *wd, uint64_t now_ns)
{
	struct spinal_wd_beat *b;

	if (!wd)
		return;
	/* R1: pairs with A1 in spinal_wd_arm() */
	b = atomic_load_explicit(&wd->beat, memory_order_acquire);
	if (!b)
		return;
	wd->n++;
	/* The kernel samples beat with READ_ONCE; any change is progress. */
	atomic_store_explicit((_Atomic uint64_t *)&b->beat_ns, now_ns, memory_order_relaxed);
	atomic_store_explicit((_Atomic uint64_t *)&b->beat, wd->n, memory_order_relaxed);
}

int spinal_wd_available(const struct spinal_wd *wd)
{
	return wd != NULL;
}

int spinal_wd_fd(const struct spinal_wd *wd)
{
	return wd ? wd->fd : SPINAL_WD_NA;
}

int spinal_wd_status(const struct spinal_wd *wd, struct spinal_wd_status *st)
{
	const _Atomic uint32_t *seqp;
	uint32_t s1, s2;
	int tries;

	if (!wd)
		return SPINAL_WD_NA;
	seqp = (const _Atomic uint32_t *)&wd->st->seq;
	for (tries = 0; tries < 1000; tries++) {
		/* R2: pairs with W2 (smp_wmb before the closing seq store) */
		s1 = atomic_load_explicit(seqp, memory_order_acquire);
		if (s1 & 1)
			continue;
		memcpy(st, (const void *)wd->st, sizeof(*st));
		/* R3: pairs with W1 (smp_wmb after the opening seq store) */
		atomic_thread_fence(memory_order_acquire);
		s2 = atomic_load_explicit(seqp, memory_order_relaxed);
		if (s1 == s2)
			return 0;
	}
	return -EAGAIN;
}

int spinal_wd_read_trip(struct spinal_wd *wd, struct spinal_wd_status *ev)
{
	struct pollfd pfd;
	ssize_t n;

	if (!wd)
		return SPINAL_WD_NA;
	pfd.fd = wd->fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 0) < 0)
		return -errno;
	if (!(pfd.revents & POLLIN))
		return 0;
	n = read(wd->fd, ev, sizeof(*ev));
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	return n == (ssize_t)sizeof(*ev) ? 1 : -EIO;
}

int spinal_wd_wait(struct spinal_wd *wd, int timeout_ms, struct spinal_wd_status *ev)
{
	struct pollfd pfd;
	int r;

	if (!wd)
		return SPINAL_WD_NA;
	pfd.fd = wd->fd;
	pfd.events = POLLIN;
	r = poll(&pfd, 1, timeout_ms);
	if (r < 0)
		return -errno;
	if (r == 0)
		return 0;
	return spinal_wd_read_trip(wd, ev);
}

const char *spinal_wd_state_name(uint32_t state)
{
	static const char *const names[] = { "idle", "armed", "tripped" };

	return state < sizeof(names) / sizeof(names[0]) ? names[state] : "?";
}

const char *spinal_wd_reason_name(uint32_t reason)
{
	static const char *const names[] = { "none", "timeout", "misses", "release" };

	return reason < sizeof(names) / sizeof(names[0]) ? names[reason] : "?";
}
