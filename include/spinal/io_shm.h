/* SPDX-License-Identifier: MIT */
/*
 * The `--io shm` backend: latest-value mailboxes between spinal-core and an
 * external robot driver (tools/spinal-sim.c is the reference driver; see
 * docs/driver.md).
 *
 * Two regions, one writer each, both created by spinal-core at start:
 *
 *   region                  kind              mode  written by  read by
 *   /spinal.<name>.io       SPINAL_REGION_IO       0640  core        driver
 *     section SPINAL_SECT_IO_CMD:   struct spinal_io_cmd_box
 *   /spinal.<name>.iostate  SPINAL_REGION_IO_STATE 0660  driver      core
 *     section SPINAL_SECT_IO_STATE: struct spinal_io_state_box
 *
 * so a driver (or any member of the spinal group) can publish robot state
 * but can never write a command.  The core treats the state region as
 * untrusted input: it copies a sample out of the seqlock, then validates it
 * (finite, in range, stamp not in the future, not older than the last good
 * one) and counts every rejection in the command region.
 *
 * Each mailbox is a seqlock (struct spinal_seqbox, spinal/seqlock.h): one
 * writer bumps the sequence to odd, stores the payload words, bumps it to
 * even; a reader retries a bounded number of times while it sees an odd or
 * changed sequence.  A sequence of 0 means "never written".
 *
 * Freshness: every sample carries the writer's CLOCK_MONOTONIC stamp (both
 * processes share that clock).  The core's AAS stops the robot when
 * read_ns - stamp_ns exceeds --stale-ms; the driver stops the robot when the
 * command's stamp is older than its own limit (spinal-sim --cmd-stale-ms).
 * Heartbeat counters beside the mailboxes tell an operator which side is
 * alive; they are not used for decisions.
 *
 * ABI: fixed-width little-endian fields; each section's elem_size is the
 * payload size (sizeof(struct spinal_io_state) / sizeof(struct spinal_io_cmd)),
 * which a reader checks along with the section size.  Append only.
 */
#ifndef SPINAL_IO_SHM_H
#define SPINAL_IO_SHM_H

#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <spinal/region.h>
#include <spinal/seqlock.h>

#define SPINAL_SEQBOX_WORDS 8 /* payload capacity: 64 bytes */

struct spinal_seqbox {
	_Atomic uint64_t seq; /* even: stable, odd: being written, 0: never written */
	_Atomic uint64_t w[SPINAL_SEQBOX_WORDS];
};

/* Payload of the state mailbox (driver -> core). */
struct spinal_io_state {
	uint64_t stamp_ns;   /* CLOCK_MONOTONIC when the robot was sampled */
	uint64_t seq;        /* driver's sample counter, +1 per publish */
	float x, y, theta;   /* pose, m and rad */
	float v, omega;      /* measured velocities, m/s and rad/s */
	uint32_t flags;      /* SPINAL_IO_SF_*; unknown bits are ignored */
	uint64_t source_stamp_ns; /* the robot's own stamp (e.g. the ROS header), 0: none;
				   * informational, never used for staleness */
};

/*
 * Faults a driver reports in spinal_io_state.flags.  Each bit set in a fresh
 * sample makes AAS command zero and count the reason (SPINAL_AAS_HW_ESTOP,
 * _BUMPER, _MOTOR_FAULT, _LOC_LOST in stats.h); the robot drives again when
 * a sample without it arrives.  Same values as SPINAL_DRIVER_FAULT_* in
 * include/spinal/driver.h.
 */
#define SPINAL_IO_SF_HW_ESTOP 0x1u    /* hardware e-stop pressed */
#define SPINAL_IO_SF_BUMPER 0x2u      /* bumper / contact sensor */
#define SPINAL_IO_SF_MOTOR_FAULT 0x4u /* motor controller fault */
#define SPINAL_IO_SF_LOC_LOST 0x8u    /* localisation lost: pose untrustworthy */
#define SPINAL_IO_SF_FAULTS 0xfu      /* every defined fault bit */

/* Payload of the command mailbox (core -> driver). */
struct spinal_io_cmd {
	uint64_t stamp_ns;   /* core's CLOCK_MONOTONIC when written */
	uint64_t seq;        /* command counter, +1 per tick */
	uint64_t state_seq;  /* driver seq of the state the command was computed from */
	float v, omega;      /* m/s, rad/s; already limited by AAS */
	uint32_t flags;      /* SPINAL_IO_CF_* */
	uint32_t pad;
};

#define SPINAL_IO_CF_STOPPED 0x1u /* the core has stopped: hold the robot stopped */

_Static_assert(sizeof(struct spinal_io_state) <= SPINAL_SEQBOX_WORDS * 8, "state payload");
_Static_assert(offsetof(struct spinal_io_state, flags) == 36, "state flags");
_Static_assert(offsetof(struct spinal_io_state, source_stamp_ns) == 40, "state source stamp");
_Static_assert(sizeof(struct spinal_io_cmd) <= SPINAL_SEQBOX_WORDS * 8, "cmd payload");

/* Section SPINAL_SECT_IO_STATE of /spinal.<name>.iostate: written by the driver. */
struct spinal_io_state_box {
	struct spinal_seqbox box;
	/* driver liveness, informational (own cache line) */
	_Atomic int32_t driver_pid __attribute__((aligned(64)));
	_Atomic uint32_t driver_period_us; /* the driver's loop period */
	_Atomic uint64_t driver_heartbeat;    /* +1 per driver loop iteration */
	_Atomic uint64_t driver_heartbeat_ns; /* CLOCK_MONOTONIC of the last one */
	_Atomic uint64_t driver_stops;        /* iterations that commanded zero */
	uint64_t reserved[12];
} __attribute__((aligned(64)));

/* Section SPINAL_SECT_IO_CMD of /spinal.<name>.io: written by the core's RT thread. */
struct spinal_io_cmd_box {
	struct spinal_seqbox box;
	/* what the core made of the state mailbox (RT thread, relaxed) */
	_Atomic uint64_t state_reads __attribute__((aligned(64)));
	_Atomic uint64_t state_fresh;    /* reads that returned a new valid sample */
	_Atomic uint64_t state_repeat;   /* same sample as the last read (driver slower) */
	_Atomic uint64_t state_torn;     /* retries exhausted: last good sample reused */
	_Atomic uint64_t state_retries;  /* torn attempts that were retried */
	_Atomic uint64_t state_rejected; /* NaN/Inf, out of range, time going backwards */
	_Atomic uint64_t state_empty;    /* nothing published yet */
	_Atomic uint64_t state_last_seq; /* driver seq of the last good sample */
	uint64_t reserved[8];
} __attribute__((aligned(64)));

/*
 * spinal_seqbox_write - publish @n (<= 64) bytes at @src.  The box's only
 * writer; RT-safe (no syscall, no lock), wait-free.  A box left odd by a
 * writer that died mid-write is resumed at the next even sequence.
 * (The seqlock itself, its fences and their pairing: spinal/seqlock.h.)
 */
static inline void spinal_seqbox_write(struct spinal_seqbox *b, const void *src, size_t n)
{
	spinal_seqlock_write(&b->seq, b->w, SPINAL_SEQBOX_WORDS, src, n);
}

/*
 * spinal_seqbox_read - copy a consistent payload into @dst (@n <= 64 bytes),
 * trying at most @tries times.  Any reader thread; RT-safe, bounded.
 * Returns 0 (*seq_out = its even sequence), -ENODATA never written, or
 * -EAGAIN every try was torn (@dst untouched).  *retries (may be NULL) is
 * increased by the number of torn attempts.  The payload is untrusted:
 * validate the copy, never the mailbox.
 */
static inline int spinal_seqbox_read(const struct spinal_seqbox *b, void *dst, size_t n,
				     unsigned int tries, uint64_t *seq_out, uint64_t *retries)
{
	return spinal_seqlock_read(&b->seq, b->w, SPINAL_SEQBOX_WORDS, dst, n, tries, seq_out,
				   retries);
}

#endif /* SPINAL_IO_SHM_H */
