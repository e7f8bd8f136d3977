/* SPDX-License-Identifier: MIT */
/*
 * RCU (liburcu QSBR flavour) as spinal uses it, in one place.
 *
 * Read side (the RT thread, any reader thread):
 *   spinal_rcu_register()      once, before the first spinal_graph_current()
 *   spinal_rcu_quiescent()     once per tick, after the last use of any
 *                              pointer obtained through RCU in that tick
 *   spinal_rcu_offline()/online()  optional, around long sleeps (docs/graph.md)
 *   spinal_rcu_unregister()    before the thread exits (offline first is fine)
 * Between two quiescent states a reader may use a snapshot freely: it stays
 * valid until the reader's next spinal_rcu_quiescent()/offline().
 *
 * Cost: quiescent() is a load and a compare when no grace period is waiting;
 * otherwise two full barriers and, only if a grace-period waiter has gone to
 * sleep, one FUTEX_WAKE (non-blocking).  offline()/online() always cost two
 * full barriers each.
 *
 * ThreadSanitizer does not see liburcu's inline-asm barriers, so in TSan
 * builds these wrappers add release/acquire annotations that express what
 * the grace period guarantees (reader release at quiescence, acquire before
 * reclamation; publisher release, reader acquire of the snapshot).  They
 * compile to nothing otherwise.
 */
#ifndef SPINAL_RTCORE_RCU_H
#define SPINAL_RTCORE_RCU_H

#if defined(__SANITIZE_THREAD__)
#define SPINAL_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SPINAL_TSAN 1
#endif
#endif

/* Inline liburcu's fast paths, except under TSan: there its (uninstrumented)
 * out-of-line versions keep its internal volatile accesses out of reports. */
#if !defined(_LGPL_SOURCE) && !defined(SPINAL_TSAN)
#define _LGPL_SOURCE
#endif
#include <urcu-qsbr.h>
#include <urcu-call-rcu.h>

#ifdef SPINAL_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
extern char spinal_rcu_tsan_gp;
#define SPINAL_TSAN_ACQUIRE(p) __tsan_acquire((void *)(p))
#define SPINAL_TSAN_RELEASE(p) __tsan_release((void *)(p))
#else
#define SPINAL_TSAN_ACQUIRE(p) do { (void)(p); } while (0)
#define SPINAL_TSAN_RELEASE(p) do { (void)(p); } while (0)
#endif

/* Any thread that reads RCU-protected data; not RT (allocates once). */
static inline void spinal_rcu_register(void)
{
	rcu_register_thread();
}

static inline void spinal_rcu_unregister(void)
{
	rcu_unregister_thread();
}

/* Registered reader: report a quiescent state.  RT-safe (see cost above). */
static inline void spinal_rcu_quiescent(void)
{
#ifdef SPINAL_TSAN
	SPINAL_TSAN_RELEASE(&spinal_rcu_tsan_gp);
#endif
	rcu_quiescent_state();
}

/* Registered reader: stop/start being waited for.  RT-safe, two barriers. */
static inline void spinal_rcu_offline(void)
{
#ifdef SPINAL_TSAN
	SPINAL_TSAN_RELEASE(&spinal_rcu_tsan_gp);
#endif
	rcu_thread_offline();
}

static inline void spinal_rcu_online(void)
{
	rcu_thread_online();
}

/* Reclaimer side (call_rcu callback): everything readers did is visible. */
static inline void spinal_rcu_reclaim_begin(void)
{
#ifdef SPINAL_TSAN
	SPINAL_TSAN_ACQUIRE(&spinal_rcu_tsan_gp);
#endif
}

#endif /* SPINAL_RTCORE_RCU_H */
