// SPDX-License-Identifier: MIT
/*
 * spinal-core real-time setup, in the order cyclictest's timerthread() uses:
 * lock memory, choose and pin the CPU, then SCHED_FIFO (on the RT thread's
 * attributes, see rt_setup_thread_attr()).
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <numa.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "lib/host.h"
#include "rtcore/rtsetup.h"

#define HEAP_PREFAULT (8u << 20)
#define RT_STACK_SIZE (512u << 10)

void core_log(const char *fmt, ...)
{
	va_list ap;

	fputs("spinal-core: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int cap_effective(cap_t caps, cap_value_t v)
{
	cap_flag_value_t f = CAP_CLEAR;

	if (caps && cap_get_flag(caps, v, CAP_EFFECTIVE, &f) == 0)
		return f == CAP_SET;
	return 0;
}

static void check_caps(struct rt_setup_result *res)
{
	cap_t caps = cap_get_proc();

	res->cap_sys_nice = cap_effective(caps, CAP_SYS_NICE);
	res->cap_ipc_lock = cap_effective(caps, CAP_IPC_LOCK);
	if (caps)
		cap_free(caps);
}

static int choose_cpu(const struct rt_setup_cfg *cfg, struct rt_setup_result *res)
{
	static uint8_t iso[SPINAL_MAX_CPUS];
	char buf[4096];
	int n;

	res->ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (res->ncpus < 1)
		res->ncpus = 1;
	if (cfg->cpu >= 0) {
		if (cfg->cpu >= res->ncpus || cfg->cpu >= CPU_SETSIZE) {
			core_log("--cpu %d: no such CPU (this host has %d online); pick 0..%d",
				 cfg->cpu, res->ncpus, res->ncpus - 1);
			return -EINVAL;
		}
		res->cpu = cfg->cpu;
		if (!cfg->quiet)
			core_log("cpu: RT thread on CPU %d (--cpu)", res->cpu);
		return 0;
	}
	n = spinal_read_file("/sys/devices/system/cpu/isolated", buf, sizeof(buf));
	if (n >= 0 && spinal_cpulist_parse(buf, iso) > 0) {
		res->cpu = spinal_cpulist_highest(iso);
		res->cpu_isolated = 1;
		if (!cfg->quiet)
			core_log("cpu: RT thread on isolated CPU %d (highest in /sys/devices/system/cpu/isolated)",
				 res->cpu);
		return 0;
	}
	res->cpu = res->ncpus - 1;
	core_log("warning: no isolated CPUs; RT thread on CPU %d, shared with the rest of the system (boot with isolcpus=%d nohz_full=%d rcu_nocbs=%d)",
		 res->cpu, res->cpu, res->cpu, res->cpu);
	return 0;
}

static void setup_numa(const struct rt_setup_cfg *cfg, struct rt_setup_result *res)
{
	res->numa_node = -1;
	if (numa_available() < 0) {
		if (!cfg->quiet)
			core_log("numa: not available; memory comes from the default policy");
		return;
	}
	res->numa_node = numa_node_of_cpu(res->cpu);
	if (res->numa_node < 0) {
		res->numa_node = -1;
		return;
	}
	numa_set_preferred(res->numa_node);
	if (!cfg->quiet)
		core_log("numa: CPU %d is on node %d (%d node%s); RT memory allocated there",
			 res->cpu, res->numa_node, numa_max_node() + 1,
			 numa_max_node() ? "s" : "");
}

static void setup_memory(const struct rt_setup_cfg *cfg, struct rt_setup_result *res)
{
	struct rlimit rl;
	char *p;

	/* keep freed heap mapped and never satisfy malloc from fresh mmaps */
	mallopt(M_TRIM_THRESHOLD, -1);
	mallopt(M_MMAP_MAX, 0);
	if (!cfg->want_rt)
		return;
	if (mlockall(MCL_CURRENT | MCL_FUTURE) == 0) {
		res->mlocked = 1;
		if (!cfg->quiet)
			core_log("memory: locked (mlockall current+future), heap trimming off");
	} else {
		int e = errno;

		getrlimit(RLIMIT_MEMLOCK, &rl);
		if (rl.rlim_cur == RLIM_INFINITY)
			core_log("warning: cannot lock memory: %s; page faults may add latency",
				 strerror(e));
		else
			core_log("warning: cannot lock memory: %s; RLIMIT_MEMLOCK is %llu KiB; run with CAP_IPC_LOCK or raise LimitMEMLOCK",
				 strerror(e), (unsigned long long)rl.rlim_cur >> 10);
	}
	/* prefault the heap: touch it once, free it; it stays in the arena */
	p = malloc(HEAP_PREFAULT);
	if (p) {
		size_t i;
		long pg = sysconf(_SC_PAGESIZE);

		for (i = 0; i < HEAP_PREFAULT; i += (size_t)pg)
			((volatile char *)p)[i] = 0;
		free(p);
	}
}

static void setup_dma_latency(const struct rt_setup_cfg *cfg, struct rt_setup_result *res)
{
	int32_t zero = 0;
	int fd;

	res->dma_latency_fd = -1;
	if (!cfg->want_rt)
		return;
	fd = open("/dev/cpu_dma_latency", O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		if (!cfg->quiet)
			core_log("power: cannot hold /dev/cpu_dma_latency (%s); deep C-states may add wake-up latency",
				 strerror(errno));
		return;
	}
	if (write(fd, &zero, sizeof(zero)) != (ssize_t)sizeof(zero)) {
		core_log("power: writing /dev/cpu_dma_latency failed: %s", strerror(errno));
		close(fd);
		return;
	}
	res->dma_latency_fd = fd;
	if (!cfg->quiet)
		core_log("power: /dev/cpu_dma_latency held at 0 us while running");
}

int rt_setup_process(const struct rt_setup_cfg *cfg, struct rt_setup_result *res)
{
	int i;

	memset(res, 0, sizeof(*res));
	res->dma_latency_fd = -1;
	check_caps(res);
	res->preempt_rt = spinal_host_is_rt();
	if (!cfg->quiet)
		core_log("kernel: %s (from /sys/kernel/realtime, uname -v)",
			 res->preempt_rt ? "PREEMPT_RT" : "not PREEMPT_RT: latency will be noisy");
	if (!cfg->quiet)
		core_log("capabilities: CAP_SYS_NICE %s, CAP_IPC_LOCK %s",
			 res->cap_sys_nice ? "yes" : "no", res->cap_ipc_lock ? "yes" : "no");
	if (choose_cpu(cfg, res))
		return -EINVAL;
	CPU_ZERO(&res->rt_set);
	CPU_SET(res->cpu, &res->rt_set);
	CPU_ZERO(&res->other_set);
	for (i = 0; i < res->ncpus && i < CPU_SETSIZE; i++)
		if (i != res->cpu || res->ncpus == 1)
			CPU_SET(i, &res->other_set);
	/* housekeeping (this thread and every thread it creates later) stays off the RT CPU */
	if (sched_setaffinity(0, sizeof(res->other_set), &res->other_set) < 0)
		core_log("warning: cannot move housekeeping threads off CPU %d: %s",
			 res->cpu, strerror(errno));
	setup_numa(cfg, res);
	setup_memory(cfg, res);
	setup_dma_latency(cfg, res);
	return 0;
}

int rt_setup_thread_attr(pthread_attr_t *attr, const struct rt_setup_result *res,
			 int prio, int fifo)
{
	struct sched_param sp = { .sched_priority = prio };
	int rc;

	rc = pthread_attr_init(attr);
	if (rc)
		return -rc;
	pthread_attr_setstacksize(attr, RT_STACK_SIZE);
	rc = pthread_attr_setaffinity_np(attr, sizeof(res->rt_set), &res->rt_set);
	if (rc)
		return -rc;
	if (!fifo)
		return 0;
	rc = pthread_attr_setinheritsched(attr, PTHREAD_EXPLICIT_SCHED);
	if (!rc)
		rc = pthread_attr_setschedpolicy(attr, SCHED_FIFO);
	if (!rc)
		rc = pthread_attr_setschedparam(attr, &sp);
	return -rc;
}

void rt_prefault_stack(size_t bytes)
{
	volatile unsigned char buf[64 << 10];
	size_t i;

	if (bytes > sizeof(buf))
		bytes = sizeof(buf);
	for (i = 0; i < bytes; i += 4096)
		buf[i] = 0;
}

void rt_setup_release(struct rt_setup_result *res)
{
	if (res->dma_latency_fd >= 0)
		close(res->dma_latency_fd);
	res->dma_latency_fd = -1;
}
