/* SPDX-License-Identifier: MIT */
/* spinal-audit: private interfaces between the tool's files.  Tool code, not RT. */
#ifndef SPINAL_TOOLS_AUDIT_H
#define SPINAL_TOOLS_AUDIT_H

#include <stdint.h>

#include <stddef.h>

#include <spinal/region.h>
#include <spinal/stats.h>

#include "lib/host.h"
#include "tools/audit_report.h"

/* Isolated CPUs: /sys/devices/system/cpu/isolated plus isolcpus= on the command line. */
int audit_isolated_set(uint8_t *set);

/* Online CPUs (set of SPINAL_MAX_CPUS bytes); returns how many, or -errno. */
int audit_online_set(uint8_t *set);

/* Run every host check into @r for RT CPU @rt_cpu (-1: pick like spinal-core). */
void audit_preflight(struct audit_report *r, int rt_cpu);

/* Read a small /proc or /sys file, trailing whitespace removed.  >= 0 or -errno. */
int audit_read(const char *path, char *buf, size_t len);

/* Options of an audit against a running core. */
struct audit_opts {
	const char *name;       /* instance */
	double window_s;        /* measurement window */
	int json;
	int no_cyclictest;
	int no_strace;
	int no_perf;
	double lat_ratio;       /* core p99 may be this many times cyclictest's */
	double lat_slack_us;    /* ... or this much above it */
	const char *allow_syscalls; /* comma list added to the contract */
	const char *histfile;   /* write the window's histograms here */
	const char *histjson;
	int quiet;
};

/* The audit proper.  Returns 0 with @r filled, or -errno when there is no core. */
int audit_core(struct audit_report *r, const struct audit_opts *o);

/* A read-only mapping of a core's STATS region. */
struct audit_core_map {
	void *base;
	size_t len;
	const struct spinal_region_hdr *hdr;
	const struct spinal_stats *stats;
};

/* Map and validate /spinal.<name>.stats.  0, or -errno with a one-line @err. */
int audit_attach(const char *name, struct audit_core_map *m, char *err, size_t errlen);

/* Unmap; NULL or an unmapped @m is a no-op. */
void audit_detach(struct audit_core_map *m);

/* Snapshot every stage histogram (SPINAL_STAGE_COUNT of them). */
void audit_snap_stages(const struct audit_core_map *m, struct spinal_hist_snap *out);

/* `spinal-audit hist`: export the stage histograms of a running core. */
int audit_hist_main(int argc, char **argv);

#endif
