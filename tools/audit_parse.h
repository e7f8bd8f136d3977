/* SPDX-License-Identifier: MIT */
/*
 * spinal-audit: pure parsers for /proc, /sys, perf and strace text.  No I/O,
 * so tests/unit/test_preflight.c feeds them fixture strings.  Any thread.
 */
#ifndef SPINAL_TOOLS_AUDIT_PARSE_H
#define SPINAL_TOOLS_AUDIT_PARSE_H

#include <stddef.h>
#include <stdint.h>

/*
 * ap_cmdline_get - value of the last "key=value" (or bare "key") token of a
 * kernel command line (stops at " -- ", where init's arguments start).
 * Returns 1 and copies the value ("" for a bare key), 0 when absent,
 * -ENAMETOOLONG when the value does not fit.
 */
int ap_cmdline_get(const char *cmdline, const char *key, char *val, size_t len);

/*
 * ap_isolcpus_parse - CPU set of an isolcpus= value: optional flags
 * (nohz, domain, managed_irq) then a CPU list, e.g. "managed_irq,domain,2-3".
 * Returns the number of CPUs (set has SPINAL_MAX_CPUS bytes) or -EINVAL.
 */
int ap_isolcpus_parse(const char *val, uint8_t *set);

/* /sys/devices/system/cpu/nohz_full text ("(null)" when unset).  As above. */
int ap_nohz_full_parse(const char *text, uint8_t *set);

/*
 * ap_status_field - the value text of "Field:" in /proc/<pid>/status (leading
 * blanks skipped, to end of line).  Returns 1 found, 0 absent, -ENAMETOOLONG.
 */
int ap_status_field(const char *status, const char *field, char *val, size_t len);

/* "CapEff:\t000001ffffffffff" -> mask.  Returns 0, -ENOENT or -EINVAL. */
int ap_status_caps(const char *status, const char *field, uint64_t *caps);

/* "VmLck:   1234 kB" or "NoNewPrivs:\t1" -> number.  0, -ENOENT, -EINVAL. */
int ap_status_u64(const char *status, const char *field, uint64_t *v);

/* The fields of /proc/<pid>/task/<tid>/stat the audit uses. */
struct ap_stat {
	char comm[32];
	char state;
	uint64_t minflt, majflt, utime, stime;
	int64_t priority, nice;
	int processor;
	unsigned int rt_priority, policy;
};

/* Parse a stat line (comm may hold spaces and ')').  0 or -EINVAL. */
int ap_stat_parse(const char *text, struct ap_stat *st);

/* "se.nr_migrations   :   5" in /proc/<tid>/sched.  0, -ENOENT, -EINVAL. */
int ap_sched_u64(const char *text, const char *key, uint64_t *v);

/*
 * ap_perf_csv - one line of `perf stat -x,` output.  Copies the event name
 * and sets *counted (0 for "<not counted>"/"<not supported>", value then 0).
 * Returns 1 for an event line, 0 for anything else.
 */
int ap_perf_csv(const char *line, char *event, size_t len, uint64_t *val, int *counted);

/*
 * ap_strace_line - syscall name of one `strace [-f] -o` line ("[pid] name(...").
 * Resumed halves ("<... name resumed>"), signals ("---") and exits ("+++")
 * are not syscalls.  Returns 1 with @name set, 0 otherwise.
 */
int ap_strace_line(const char *line, char *name, size_t len);

enum ap_class { AP_GOOD = 0, AP_MEH = 1, AP_BAD = 2, AP_UNKNOWN = 3 };

/* Clock source quality: tsc/arch_sys_counter good, VM clocks and hpet/acpi_pm meh, jiffies bad. */
int ap_clocksource_class(const char *name);

/* cpufreq governor: performance good, anything else meh. */
int ap_governor_class(const char *name);

/*
 * ap_cgroup_cpu_path - from /proc/self/cgroup text, the path of the cgroup-v1
 * hierarchy whose controllers include "cpu" (e.g. "/system.slice/x").
 * Returns 1 found, 0 absent (v2-only or no cpu controller).
 */
int ap_cgroup_cpu_path(const char *text, char *path, size_t len);

/* Trim trailing whitespace in place; returns @s. */
char *ap_chomp(char *s);

#endif
