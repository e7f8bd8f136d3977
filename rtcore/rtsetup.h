/* SPDX-License-Identifier: MIT */
/* Real-time process setup for spinal-core (main thread, before the loop). */
#ifndef SPINAL_RTSETUP_H
#define SPINAL_RTSETUP_H

#include <pthread.h>
#include <sched.h>
#include <stddef.h>

struct rt_setup_cfg {
	int cpu;          /* --cpu, or -1 to choose */
	int priority;     /* SCHED_FIFO priority */
	int want_rt;      /* 0: skip privileged steps (--no-rt) */
	int quiet;
};

struct rt_setup_result {
	int cpu;            /* CPU chosen for the RT thread */
	int cpu_isolated;   /* taken from /sys/devices/system/cpu/isolated */
	int ncpus;
	int numa_node;      /* -1 when libnuma is unavailable */
	int mlocked;
	int preempt_rt;
	int cap_sys_nice;
	int cap_ipc_lock;
	int dma_latency_fd; /* /dev/cpu_dma_latency held at 0, or -1 */
	cpu_set_t rt_set;   /* { cpu } */
	cpu_set_t other_set; /* every online CPU but cpu (or all when only one) */
};

/*
 * rt_setup_process - capabilities, PREEMPT_RT detection, CPU choice, NUMA,
 * mlockall, malloc tuning and heap prefault, /dev/cpu_dma_latency, and moves
 * the calling (housekeeping) thread off the RT CPU.  Main thread, once.
 * Every step logs one line saying what it did or why it could not; none is
 * fatal except an invalid --cpu.  Returns 0 or -EINVAL.
 */
int rt_setup_process(const struct rt_setup_cfg *cfg, struct rt_setup_result *res);

/*
 * rt_setup_thread_attr - pthread attributes for the RT thread: SCHED_FIFO at
 * @prio when @fifo, pinned to res->cpu, 512 KiB stack.  Returns 0 or -errno.
 */
int rt_setup_thread_attr(pthread_attr_t *attr, const struct rt_setup_result *res,
			 int prio, int fifo);

/* Touch @bytes of the calling thread's stack so it is resident.  RT thread, at start. */
void rt_prefault_stack(size_t bytes);

/* Release what rt_setup_process() holds (cpu_dma_latency).  Main thread. */
void rt_setup_release(struct rt_setup_result *res);

/* Log helpers for spinal-core's operator messages (stderr, one line each). */
void core_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
