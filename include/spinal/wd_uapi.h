/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * spinal_wd - uapi of the spinal kernel watchdog (/dev/spinal_wd).
 *
 * Shared by rtcore/kmod/spinal_wd.c and userspace (lib/wd.c).  One watchdog
 * per machine: one *owner* (spinal-core) arms it and writes a heartbeat,
 * any number of *supervisors* (spinal-agent, I/O drivers) poll() for trips.
 *
 * Life of the owner:
 *   fd = open("/dev/spinal_wd", O_RDWR | O_CLOEXEC);
 *   ioctl(fd, SPINAL_WD_IOC_ARM, &arm);            -- fd becomes the owner
 *   beat = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
 *               SPINAL_WD_PGOFF_BEAT * page);
 *   every tick: beat->beat = ++n;                   -- a plain store, no syscall
 *   clean exit: ioctl(fd, SPINAL_WD_IOC_DISARM); close(fd);
 *
 * The module samples beat->beat from an hrtimer in hard-interrupt mode every
 * status.check_ns = max(period_ns, SPINAL_WD_MIN_CHECK_NS).  A sample that
 * finds the heartbeat unchanged is a *miss*.  The watchdog trips when
 *   - the heartbeat has not advanced for longer than timeout_ns, or
 *   - miss_budget != 0 and more than miss_budget consecutive samples missed, or
 *   - the owner's file is released while armed (process death, close()).
 * A trip latches state SPINAL_WD_TRIPPED, records the time (CLOCK_MONOTONIC)
 * and the gap, bumps status.trips and wakes poll() waiters.  Gaps are
 * measured by the kernel clock at sample resolution (check_ns).  Re-arming
 * (ARM again, by the owner) clears the latch.
 *
 * Supervisors open O_RDONLY and either poll() (POLLIN | POLLPRI while a trip
 * has not been read(2) on that descriptor; read returns one struct
 * spinal_wd_status) or map the status page read-only at
 * SPINAL_WD_PGOFF_STATUS * page and read it with the seqcount protocol
 * described at struct spinal_wd_status.
 *
 * Versioning: ABI major changes break userspace; minor only appends fields
 * (into reserved space) or ioctls.  Every ioctl struct starts with len, the
 * size userspace knows; the kernel accepts any len >= the v1 size, ignores
 * nothing silently (unknown trailing bytes must be zero) and writes back at
 * most len bytes.
 */
#ifndef SPINAL_WD_UAPI_H
#define SPINAL_WD_UAPI_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define SPINAL_WD_ABI_MAJOR 1
#define SPINAL_WD_ABI_MINOR 0

#define SPINAL_WD_NAME "spinal_wd"
#define SPINAL_WD_DEV "/dev/spinal_wd"
#define SPINAL_WD_SYSFS "/sys/class/misc/spinal_wd"

#define SPINAL_WD_STATUS_MAGIC 0x44575053U /* "SPWD" little-endian */

/* Lower bound of the sampling interval and limits accepted by ARM. */
#define SPINAL_WD_MIN_CHECK_NS 100000ULL         /* 100 us */
#define SPINAL_WD_MIN_TIMEOUT_NS 1000000ULL      /* 1 ms */
#define SPINAL_WD_MAX_TIMEOUT_NS 60000000000ULL  /* 60 s */

/* mmap page offsets (in pages) */
#define SPINAL_WD_PGOFF_BEAT 0   /* owner only, read-write */
#define SPINAL_WD_PGOFF_STATUS 1 /* anyone, read-only */

enum spinal_wd_state {
	SPINAL_WD_IDLE = 0,    /* never armed, or disarmed */
	SPINAL_WD_ARMED = 1,
	SPINAL_WD_TRIPPED = 2, /* latched until the next ARM */
};

enum spinal_wd_reason {
	SPINAL_WD_REASON_NONE = 0,
	SPINAL_WD_REASON_TIMEOUT = 1, /* no heartbeat progress for > timeout */
	SPINAL_WD_REASON_MISSES = 2,  /* > miss_budget consecutive misses */
	SPINAL_WD_REASON_RELEASE = 3, /* owner's descriptor released while armed */
};

/* SPINAL_WD_IOC_VERSION: filled by the kernel. */
struct spinal_wd_version {
	__u32 len;        /* in: sizeof(struct spinal_wd_version) */
	__u16 abi_major;
	__u16 abi_minor;
	__u32 page_size;  /* mmap unit */
	__u32 flags;      /* reserved, 0 */
	__u64 reserved[2];
};

/* SPINAL_WD_IOC_ARM: written by the owner. */
struct spinal_wd_arm {
	__u32 len;         /* in: sizeof(struct spinal_wd_arm) */
	__u32 flags;       /* must be 0 */
	__u64 period_ns;   /* the owner's beat period; sampling interval */
	__u64 timeout_ns;  /* longest tolerated heartbeat gap */
	__u32 miss_budget; /* consecutive missed samples tolerated, 0 = off */
	__u32 reserved0;   /* must be 0 */
	__u64 reserved[4]; /* must be 0 */
};

/* The heartbeat page (SPINAL_WD_PGOFF_BEAT): written by the owner only. */
struct spinal_wd_beat {
	__u64 beat;     /* any change counts as progress; +1 per tick */
	__u64 beat_ns;  /* informational: owner's CLOCK_MONOTONIC at the beat */
	__u64 reserved[6];
};

/*
 * The status page (SPINAL_WD_PGOFF_STATUS) and SPINAL_WD_IOC_STATUS / read().
 * Written by the kernel only.  Page readers: s1 = seq (acquire); if odd,
 * retry; copy; s2 = seq after an acquire fence; retry if s1 != s2.
 */
struct spinal_wd_status {
	__u32 len;           /* sizeof(struct spinal_wd_status) of the kernel */
	__u32 magic;         /* SPINAL_WD_STATUS_MAGIC */
	__u16 abi_major;
	__u16 abi_minor;
	__u32 seq;           /* seqcount, odd while the kernel writes */
	__u32 state;         /* enum spinal_wd_state */
	__u32 tripped;       /* 1 from a trip until the next ARM */
	__u32 last_reason;   /* enum spinal_wd_reason of the last trip */
	__s32 owner_pid;     /* tgid of the arming process, 0 = none */
	__u32 miss_budget;
	__u32 consec_misses; /* current run of missed samples */
	__u64 arms;          /* successful ARM ioctls since load */
	__u64 trips;         /* trips since load; supervisors' edge counter */
	__u64 misses;        /* missed samples since load */
	__u64 checks;        /* samples taken since load */
	__u64 max_gap_ns;    /* largest heartbeat gap seen since load */
	__u64 last_trip_ns;  /* CLOCK_MONOTONIC of the last trip */
	__u64 last_trip_gap_ns;
	__u64 last_beat;     /* heartbeat value last sampled */
	__u64 last_beat_ns;  /* CLOCK_MONOTONIC when it last advanced */
	__u64 period_ns;
	__u64 timeout_ns;
	__u64 check_ns;      /* sampling interval in use */
	__u64 reserved[8];
};

#define SPINAL_WD_IOC_MAGIC 0xB5
#define SPINAL_WD_IOC_VERSION _IOWR(SPINAL_WD_IOC_MAGIC, 0x00, struct spinal_wd_version)
#define SPINAL_WD_IOC_ARM _IOW(SPINAL_WD_IOC_MAGIC, 0x01, struct spinal_wd_arm)
#define SPINAL_WD_IOC_DISARM _IO(SPINAL_WD_IOC_MAGIC, 0x02)
#define SPINAL_WD_IOC_STATUS _IOWR(SPINAL_WD_IOC_MAGIC, 0x03, struct spinal_wd_status)

#endif /* SPINAL_WD_UAPI_H */
