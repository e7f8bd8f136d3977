/* SPDX-License-Identifier: MIT */
/*
 * Instance naming and the small per-region sections that are not rings.
 * Region names: "/spinal.<instance>.<kind>" (shm_open); see region.h.
 */
#ifndef SPINAL_SHM_H
#define SPINAL_SHM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <spinal/region.h>

#define SPINAL_DEFAULT_INSTANCE "spinal"
#define SPINAL_GROUP "spinal"

/* Section SPINAL_SECT_AGENT of the CONS region: written by spinal-agent only. */
struct spinal_agent_info {
	_Atomic int32_t pid;
	_Atomic uint32_t attached;       /* 1 while an agent drains the ring */
	_Atomic uint64_t heartbeat_ns;   /* CLOCK_MONOTONIC, agent main loop */
	_Atomic uint64_t next_seq;       /* seq after the last record made durable */
	_Atomic uint64_t written;        /* records written to the log (this core) */
	_Atomic uint64_t missing;        /* records reported missing (gaps) */
	_Atomic uint32_t core_dead;      /* watchdog verdict: 1 = core dead/stalled */
	_Atomic uint32_t safe_stop_req;  /* drivers must stop the robot when set */
	uint64_t reserved[8];
} __attribute__((aligned(64)));

/* Region kind -> suffix ("stats", "telem", "cons", "cfg", "io"). */
const char *spinal_region_suffix(uint32_t kind);

/*
 * spinal_region_path - "/spinal.<instance>.<suffix>" into @buf.
 * Returns 0 or -ENAMETOOLONG / -EINVAL (instance must be [A-Za-z0-9_-]{1,31}).
 */
int spinal_region_path(char *buf, size_t len, const char *instance, uint32_t kind);

/* Is @instance an acceptable instance name?  1 yes, 0 no. */
int spinal_instance_valid(const char *instance);

#endif /* SPINAL_SHM_H */
