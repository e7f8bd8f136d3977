/* SPDX-License-Identifier: MIT */
/*
 * spinal shared-memory regions: the common header every region starts with.
 *
 * Every region is one object with one writer (see docs/abi.md):
 *
 *   kind   name                  written by  read by
 *   STATS  /spinal.<name>.stats  core        agent, inspector, audit
 *   TELEM  /spinal.<name>.telem  core        agent
 *   CONS   /spinal.<name>.cons   agent       core (bounds-checked)
 *   CFG    /spinal.<name>.cfg    agent       core (copy, then validate)
 *   IO     /spinal.<name>.io     core        I/O driver (--io shm only)
 *   IO_STATE /spinal.<name>.iostate  I/O driver  core (copy, then validate)
 *
 * A region begins with struct spinal_region_hdr, followed by sections found
 * through the section table (id, offset, size).  No pointers live in shared
 * memory, only offsets.  Readers call spinal_region_check() before anything
 * else and refuse a region they do not understand.
 *
 * ABI rules: a major bump breaks readers; a minor bump only appends sections
 * or uses reserved bytes.  All fields are little-endian, fixed width.
 */
#ifndef SPINAL_REGION_H
#define SPINAL_REGION_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define SPINAL_ABI_MAJOR 1
#define SPINAL_ABI_MINOR 1 /* 1.1: SPINAL_SECT_CFG_VERDICT */

#define SPINAL_REGION_MAGIC 0x314c414e49505353ULL /* "SSPINAL1" */
#define SPINAL_NAME_MAX 32
#define SPINAL_MAX_SECTIONS 8
#define SPINAL_CACHELINE 64

enum spinal_region_kind {
	SPINAL_REGION_STATS = 1,
	SPINAL_REGION_TELEM = 2,
	SPINAL_REGION_CONS = 3,
	SPINAL_REGION_CFG = 4,
	SPINAL_REGION_IO = 5,       /* shm I/O: command mailbox (core) */
	SPINAL_REGION_IO_STATE = 6, /* shm I/O: state mailbox (driver), spinal/io_shm.h */
};

enum spinal_section_id {
	SPINAL_SECT_NONE = 0,
	SPINAL_SECT_STATS = 1,     /* struct spinal_stats */
	SPINAL_SECT_RING_PROD = 2, /* struct spinal_ring_idx, producer side */
	SPINAL_SECT_RING_CONS = 3, /* struct spinal_ring_idx, consumer side */
	SPINAL_SECT_RING_SLOTS = 4,
	SPINAL_SECT_AGENT = 5,     /* struct spinal_agent_info */
	SPINAL_SECT_CFG_PROD = 6,  /* config ring producer index (agent) */
	SPINAL_SECT_CFG_SLOTS = 7, /* config ring slots (agent) */
	SPINAL_SECT_STAGING = 8,   /* blob staging area (agent) */
	SPINAL_SECT_CFG_CONS = 9,  /* config ring consumer index (core) */
	SPINAL_SECT_IO_STATE = 10, /* shm I/O backend mailboxes */
	SPINAL_SECT_IO_CMD = 11,
	SPINAL_SECT_INCIDENTS = 12, /* STATS: late-tick incidents, spinal/incident.h */
	SPINAL_SECT_CFG_VERDICT = 13, /* STATS: struct spinal_cfg_verdicts (config.h), ABI 1.1 */
};

enum spinal_core_state {
	SPINAL_STATE_NONE = 0,
	SPINAL_STATE_STARTING = 1,
	SPINAL_STATE_RUNNING = 2,
	SPINAL_STATE_STOPPING = 3,
	SPINAL_STATE_STOPPED = 4,
};

struct spinal_section {
	uint32_t id;
	uint32_t elem_size; /* record/slot size, or 0 */
	uint64_t off;       /* from the start of the region */
	uint64_t size;      /* bytes */
};

struct spinal_region_hdr {
	uint64_t magic;
	uint16_t abi_major;
	uint16_t abi_minor;
	uint32_t kind;           /* enum spinal_region_kind */
	uint64_t size;           /* total bytes of the region */
	uint32_t hdr_size;       /* sizeof(struct spinal_region_hdr) */
	uint32_t nsections;
	int32_t creator_pid;
	uint32_t creator_uid;
	uint64_t start_realtime_ns; /* CLOCK_REALTIME at creation */
	uint64_t start_mono_ns;     /* CLOCK_MONOTONIC at creation */
	uint64_t boot_id_hash;      /* to tell regions from an earlier boot */
	_Atomic uint32_t state;     /* enum spinal_core_state (STATS only) */
	uint32_t period_ns;         /* loop period (STATS only) */
	int32_t rt_cpu;             /* CPU of the RT thread, -1 unknown */
	uint32_t flags;             /* SPINAL_F_* */
	char name[SPINAL_NAME_MAX]; /* instance name, NUL-terminated */
	struct spinal_section sect[SPINAL_MAX_SECTIONS];
	uint8_t reserved[144];
};

/* flags in the STATS region header */
#define SPINAL_F_RT_SCHED 0x1u  /* RT thread runs SCHED_FIFO */
#define SPINAL_F_MLOCKED 0x2u   /* mlockall succeeded */
#define SPINAL_F_PREEMPT_RT 0x4u
#define SPINAL_F_ISOLATED 0x8u  /* RT CPU taken from the isolated set */

_Static_assert(sizeof(struct spinal_region_hdr) % SPINAL_CACHELINE == 0,
	       "region header must be cache-line sized");

/*
 * spinal_region_check - validate a region header read from shared memory.
 * @h: mapped region; @maplen: bytes actually mapped; @kind: expected kind.
 * Any thread; reads each field once.  Returns 0 or a negative errno and, when
 * @why is not NULL, a one-line reason (static string):
 *   -EPROTO  magic or kind wrong, -ENOTSUP ABI major differs,
 *   -EBADMSG sizes or section table out of bounds.
 */
int spinal_region_check(const volatile struct spinal_region_hdr *h, size_t maplen,
			uint32_t kind, const char **why);

/*
 * spinal_region_section - locate section @id after spinal_region_check().
 * Returns a pointer into the mapping or NULL if absent.  *size receives its
 * size in bytes (validated against the mapping by spinal_region_check()).
 */
void *spinal_region_section(const struct spinal_region_hdr *h, uint32_t id,
			    uint64_t *size, uint32_t *elem_size);

const char *spinal_state_name(uint32_t state);

#endif /* SPINAL_REGION_H */
