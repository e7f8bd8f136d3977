/* SPDX-License-Identifier: MIT */
/*
 * On-disk telemetry log written by spinal-agent (see docs/agent.md).
 *
 * A log file is one struct spinal_tlog_hdr (256 bytes) followed by fixed
 * 256-byte entries, each a struct spinal_telem_rec:
 *   kind SPINAL_REC_TICK  a record exactly as the core produced it;
 *   kind SPINAL_REC_GAP   records [seq, seq + gap_count) never reached the log.
 * Entries are in strictly increasing seq order within one core run, and the
 * files of one core run (same core_pid + core_start_realtime_ns) continue
 * each other in file_index order.  All fields little-endian, fixed width.
 *
 * File name: <instance>-<UTC core start, %Y%m%dT%H%M%S.nnnnnnnnnZ>-<core pid>-<index %06u>.tlog
 * so that a plain sort of the names is chronological.
 */
#ifndef SPINAL_TELEMLOG_H
#define SPINAL_TELEMLOG_H

#include <stdint.h>

#include <spinal/telemetry.h>

#define SPINAL_TLOG_MAGIC 0x31474f4c4c4e5053ULL /* "SPNLLOG1" */
#define SPINAL_TLOG_VERSION 1
#define SPINAL_TLOG_SUFFIX ".tlog"

struct spinal_tlog_hdr {
	uint64_t magic;
	uint16_t version;                /* SPINAL_TLOG_VERSION */
	uint16_t hdr_size;               /* sizeof(struct spinal_tlog_hdr) */
	uint32_t rec_size;               /* sizeof(struct spinal_telem_rec) = 256 */
	uint16_t abi_major;              /* shared-memory ABI of the core */
	uint16_t abi_minor;
	int32_t core_pid;
	uint64_t core_start_realtime_ns; /* CLOCK_REALTIME when the core started */
	uint64_t core_start_mono_ns;
	uint64_t boot_id_hash;
	uint32_t period_ns;              /* core loop period */
	uint32_t file_index;             /* 0, 1, ... within one core run */
	uint64_t first_seq;              /* next expected seq when the file was opened */
	uint64_t created_realtime_ns;    /* when this file was created */
	char instance[32];               /* NUL-terminated */
	char host[64];                   /* NUL-terminated */
	uint8_t reserved[88];
};

_Static_assert(sizeof(struct spinal_tlog_hdr) == 256, "log header is 256 bytes");

#endif /* SPINAL_TELEMLOG_H */
