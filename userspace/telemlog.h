/* SPDX-License-Identifier: MIT */
/* Durable telemetry log writer: batches, one write() per batch, rotation. */
#ifndef SPINAL_USERSPACE_TELEMLOG_H
#define SPINAL_USERSPACE_TELEMLOG_H

#include <stddef.h>
#include <stdint.h>

#include <spinal/telemlog.h>
#include <spinal/telemetry.h>

enum tlog_fsync {
	TLOG_FSYNC_NONE = 0,   /* leave it to the kernel */
	TLOG_FSYNC_ROTATE = 1, /* fsync when a file is closed (rotation, exit) */
	TLOG_FSYNC_BATCH = 2,  /* fdatasync after every batch */
};

struct tlog_opts {
	const char *dir;
	const char *instance;
	uint64_t rotate_bytes;  /* start a new file past this size (0: never) */
	unsigned int keep_files; /* delete the oldest files of @instance beyond this (0: keep all) */
	unsigned int batch_max; /* entries buffered before the caller must flush */
	int fsync_mode;         /* enum tlog_fsync */
};

/* Identity of the core run a log belongs to (from the STATS region header). */
struct tlog_core_id {
	int32_t pid;
	uint64_t start_realtime_ns;
	uint64_t start_mono_ns;
	uint64_t boot_id_hash;
	uint32_t period_ns;
	uint16_t abi_major, abi_minor;
};

struct tlog_counters {
	uint64_t records;   /* TICK entries written */
	uint64_t gaps;      /* GAP entries written */
	uint64_t missing;   /* sum of gap_count written */
	uint64_t bytes;
	uint64_t writes;    /* write() calls for batches */
	uint64_t rotations;
	uint64_t errors;    /* failed flushes */
	uint64_t fsyncs;
};

struct tlog;

/*
 * tlog_open - open the log of core run @id under o->dir, continuing the newest
 * file of that run if one exists (a torn last entry is cut off).  *resume_seq
 * receives the seq after the last entry found (0 when there is none).
 * Agent main thread.  Returns a handle or NULL with errno set.
 */
struct tlog *tlog_open(const struct tlog_opts *o, const struct tlog_core_id *id,
		       uint64_t *resume_seq);

/* Buffer one TICK record.  Returns 0 or -ENOBUFS (flush first).  Never writes. */
int tlog_append(struct tlog *l, const struct spinal_telem_rec *rec);

/* Buffer a gap marker for [seq, seq + count).  Returns 0 or -ENOBUFS. */
int tlog_gap(struct tlog *l, uint64_t seq, uint64_t count);

/* Entries buffered and not yet written. */
unsigned int tlog_pending(const struct tlog *l);

/*
 * tlog_flush - write the buffered batch with one write() (rotating first when
 * the file would pass rotate_bytes), then fdatasync if the policy says so.
 * On failure the file is cut back and the batch stays buffered.
 * Returns 0 or -errno.
 */
int tlog_flush(struct tlog *l);

/* Change policy of an open log (SIGHUP reload).  batch_max only grows the buffer. */
int tlog_set_opts(struct tlog *l, uint64_t rotate_bytes, unsigned int keep_files,
		  unsigned int batch_max, int fsync_mode);

void tlog_get_counters(const struct tlog *l, struct tlog_counters *c);

/* Path of the file being written (valid until the next flush or close). */
const char *tlog_path(const struct tlog *l);

/* Flush, fsync (unless policy NONE) and close.  NULL is a no-op.  Returns 0 or -errno of the flush. */
int tlog_close(struct tlog *l);

/* "none" / "rotate" / "batch" -> enum tlog_fsync, or -EINVAL. */
int tlog_fsync_parse(const char *s);
const char *tlog_fsync_name(int mode);

/* Build the file name of core run @id, file @index, into @buf.  Returns 0 or -ENAMETOOLONG. */
int tlog_file_name(char *buf, size_t len, const char *instance, const struct tlog_core_id *id,
		   uint32_t index);

#endif
