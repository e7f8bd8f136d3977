/* SPDX-License-Identifier: MIT */
/* Host facts: CPU lists, PREEMPT_RT detection.  Pure functions + thin readers. */
#ifndef SPINAL_LIB_HOST_H
#define SPINAL_LIB_HOST_H

#include <stddef.h>
#include <stdint.h>

#define SPINAL_MAX_CPUS 1024

/*
 * spinal_cpulist_parse - parse a kernel CPU list ("0-3,7,9-10", "" or "\n")
 * into @set (one byte per CPU, SPINAL_MAX_CPUS entries).  Any thread.
 * Returns the number of CPUs set, or -EINVAL on malformed input or a CPU
 * number >= SPINAL_MAX_CPUS (set is then unspecified).
 */
int spinal_cpulist_parse(const char *s, uint8_t *set);

/* Highest CPU in @set, or -1 when empty. */
int spinal_cpulist_highest(const uint8_t *set);

/*
 * spinal_kernel_is_rt - PREEMPT_RT detection from the text of
 * /sys/kernel/realtime (@sysfs, NULL when absent) and `uname -v` (@version).
 * "1" in sysfs wins; else a "PREEMPT_RT" or "PREEMPT RT" token in the version.
 * Returns 1 for RT, 0 otherwise.
 */
int spinal_kernel_is_rt(const char *sysfs, const char *version);

/* Read /sys/kernel/realtime + uname and apply spinal_kernel_is_rt(). */
int spinal_host_is_rt(void);

/*
 * spinal_read_file - read at most @len-1 bytes of @path into @buf, NUL-ended.
 * Returns bytes read or -errno.
 */
int spinal_read_file(const char *path, char *buf, size_t len);

#endif
