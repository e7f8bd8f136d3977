// SPDX-License-Identifier: MIT
/*
 * The tracefs instance "spinal-NAME": created and configured by whoever has
 * write access to tracefs (spinal-core started as root, or the unit's
 * ExecStartPre=+spinal-trace-helper), then only read by the core's tracer
 * through descriptors opened at setup (trace_instance_open()).  An instance
 * of its own leaves the top-level buffer, and any other tool's, untouched.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "rtcore/trace.h"

#define TRACEFS_MAGIC_NR 0x74726163

int trace_is_tracefs(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == TRACEFS_MAGIC_NR;
}

const char *trace_tracefs_path(void)
{
	static const char *const paths[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	unsigned int i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (trace_is_tracefs(paths[i]))
			return paths[i];
	return NULL;
}

/* write @val to DIR/FILE; 0 or -errno with @err */
static int put(const char *dir, const char *file, const char *val, char *err, size_t errlen)
{
	char p[512];
	ssize_t n;
	int fd, e;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	fd = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "tracing: cannot open %s: %s", p, strerror(e));
		return -e;
	}
	n = write(fd, val, strlen(val));
	e = errno;
	close(fd);
	if (n != (ssize_t)strlen(val)) {
		snprintf(err, errlen, "tracing: cannot write '%s' to %s: %s", val, p,
			 n < 0 ? strerror(e) : "short write");
		return n < 0 ? -e : -EIO;
	}
	return 0;
}

static int inst_dir(char *buf, size_t len, const char *tracefs, const char *name)
{
	int n = snprintf(buf, len, "%s/instances/spinal-%s", tracefs, name);

	return n > 0 && (size_t)n < len ? 0 : -ENAMETOOLONG;
}

int trace_instance_setup(const char *tracefs, const char *name, int cpu, unsigned int buf_kb,
			 char *err, size_t errlen)
{
	static const char *const events[] = {
		"events/sched/sched_switch/enable", "events/sched/sched_wakeup/enable",
		"events/irq/irq_handler_entry/enable", "events/irq/irq_handler_exit/enable",
		"events/irq/softirq_entry/enable", "events/irq/softirq_exit/enable",
	};
	char dir[384], val[64], file[64];
	unsigned int i, ncpu;
	int rc;

	if (!tracefs) {
		snprintf(err, errlen, "tracing: tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing)");
		return -ENOENT;
	}
	if (cpu < 0 || cpu >= 1024) {
		snprintf(err, errlen, "tracing: the RT CPU is unknown");
		return -EINVAL;
	}
	if (inst_dir(dir, sizeof(dir), tracefs, name))
		return -ENAMETOOLONG;
	if (mkdir(dir, 0750) && errno != EEXIST) {
		rc = -errno;
		snprintf(err, errlen, "tracing: cannot create the tracefs instance %s: %s", dir,
			 strerror(-rc));
		return rc;
	}
	if ((rc = put(dir, "tracing_on", "0", err, errlen)) ||
	    (rc = put(dir, "trace_clock", "mono", err, errlen)))
		return rc;
	/* record the RT CPU only; the other CPUs' buffers stay at one page */
	ncpu = (unsigned int)sysconf(_SC_NPROCESSORS_CONF);
	for (i = 0; i < ncpu && i < 1024; i++) {
		snprintf(file, sizeof(file), "per_cpu/cpu%u/buffer_size_kb", i);
		snprintf(val, sizeof(val), "%u", (int)i == cpu ? buf_kb : 4);
		if ((rc = put(dir, file, val, err, errlen)))
			return rc;
	}
	{
		/* tracing_cpumask: hex, 32-bit groups separated by commas */
		char mask[300] = "";
		int g, groups = cpu / 32 + 1;

		for (g = groups - 1; g >= 0; g--) {
			size_t at = strlen(mask);

			snprintf(mask + at, sizeof(mask) - at, "%s%08x", at ? "," : "",
				 g == cpu / 32 ? 1u << (cpu % 32) : 0u);
		}
		if ((rc = put(dir, "tracing_cpumask", mask, err, errlen)))
			return rc;
	}
	if ((rc = put(dir, "trace", "", err, errlen)))
		return rc;
	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		if ((rc = put(dir, events[i], "1", err, errlen)))
			return rc;
	/* x86: local timer and IPI vectors (absent elsewhere: not an error) */
	{
		char e2[64];

		put(dir, "events/irq_vectors/enable", "1", e2, sizeof(e2));
	}
	return put(dir, "tracing_on", "1", err, errlen);
}

int trace_instance_open(const char *tracefs, const char *name, int cpu, struct trace_fds *fds,
			char *err, size_t errlen)
{
	char dir[384], p[512];
	int rc;

	fds->pipe = fds->stats = fds->on = -1;
	if (!tracefs)
		return -ENOENT;
	if (inst_dir(dir, sizeof(dir), tracefs, name))
		return -ENAMETOOLONG;
	snprintf(p, sizeof(p), "%s/per_cpu/cpu%d/trace_pipe", dir, cpu);
	fds->pipe = open(p, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fds->pipe < 0)
		goto out_err;
	snprintf(p, sizeof(p), "%s/per_cpu/cpu%d/stats", dir, cpu);
	fds->stats = open(p, O_RDONLY | O_CLOEXEC);
	if (fds->stats < 0)
		goto out_err;
	snprintf(p, sizeof(p), "%s/tracing_on", dir);
	fds->on = open(p, O_WRONLY | O_CLOEXEC);
	if (fds->on < 0)
		goto out_err;
	return 0;

out_err:
	rc = -errno;
	snprintf(err, errlen, "tracing: cannot open %s: %s", p, strerror(-rc));
	trace_fds_close(fds);
	return rc;
}

int trace_instance_remove(const char *tracefs, const char *name, char *err, size_t errlen)
{
	char dir[384];
	int rc;

	if (!tracefs) {
		snprintf(err, errlen, "tracing: tracefs is not mounted");
		return -ENOENT;
	}
	if (inst_dir(dir, sizeof(dir), tracefs, name))
		return -ENAMETOOLONG;
	if (access(dir, F_OK))
		return 0;
	put(dir, "tracing_on", "0", err, errlen);
	if (rmdir(dir)) {
		rc = -errno;
		snprintf(err, errlen, "tracing: cannot remove %s: %s", dir, strerror(-rc));
		return rc;
	}
	return 0;
}

void trace_fds_close(struct trace_fds *fds)
{
	if (fds->pipe >= 0)
		close(fds->pipe);
	if (fds->stats >= 0)
		close(fds->stats);
	if (fds->on >= 0)
		close(fds->on);
	fds->pipe = fds->stats = fds->on = -1;
}
