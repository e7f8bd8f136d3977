// SPDX-License-Identifier: MIT
/*
 * The RT loop, after cyclictest's timerthread(): absolute clock_nanosleep on
 * CLOCK_MONOTONIC, lateness = wake - planned, then the stages, each timed into
 * the shared histograms.  Nothing here allocates, locks or logs.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <spinal/clock.h>
#include <spinal/telemetry.h>

#include "lib/wd.h"
#include "rtcore/loop.h"
#include "rtcore/model_rcu.h"
#include "rtcore/params.h"
#include "rtcore/rcu.h"
#include "rtcore/rtsetup.h"
#include "rtcore/testhook.h"
#include "rtcore/trace.h"

#define NSEC 1000000000ull

static inline void ts_from_ns(struct timespec *ts, uint64_t ns)
{
	ts->tv_sec = (time_t)(ns / NSEC);
	ts->tv_nsec = (long)(ns % NSEC);
}

/* single-writer counter bump: relaxed load + store, no locked RMW */
static inline void bump(_Atomic uint64_t *c, uint64_t by)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + by,
			      memory_order_relaxed);
}

static inline void put(_Atomic uint64_t *c, uint64_t v)
{
	atomic_store_explicit(c, v, memory_order_relaxed);
}

static inline void put_f(_Atomic uint32_t *c, float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	atomic_store_explicit(c, u, memory_order_relaxed);
}

/* VI: write the command, emit telemetry, heartbeat. */
static void stage_vi(struct spinal_loop *l, struct tick *t, uint64_t planned,
		     int64_t lateness, const uint64_t *stage_ns, uint64_t now)
{
	struct spinal_stats *s = l->stats;
	struct spinal_telem_rec *rec;
	unsigned int i;

	l->io->write_cmd(l->io, now, &t->cmd);
	for (i = 0; i < SPINAL_AAS_COUNT; i++)
		if (t->aas_mask & (1u << i))
			bump(&s->aas[i], 1);
	if (l->pipe.goal_reached)
		atomic_store_explicit(&s->goal_reached, 1, memory_order_relaxed);
	bump(&s->cmd_seq, 1);
	put_f(&s->pose_x, t->st.x);
	put_f(&s->pose_y, t->st.y);
	put_f(&s->pose_theta, t->st.theta);
	put_f(&s->cmd_v, t->cmd.v);
	put_f(&s->cmd_omega, t->cmd.omega);

	rec = spinal_ring_prod_reserve(&l->telem);
	if (rec) {
		rec->seq = l->seq;
		rec->kind = SPINAL_REC_TICK;
		pipeline_record(&l->pipe, t, rec);
		rec->gap_count = 0;
		rec->t_planned_ns = planned;
		rec->lateness_ns = lateness;
		for (i = 0; i < 8; i++)
			rec->stage_ns[i] = i < SPINAL_STAGE_VI ? (uint32_t)stage_ns[i] : 0;
		spinal_ring_prod_commit(&l->telem);
	} else {
		bump(&s->telem_dropped, 1);
		put(&s->telem_cons_invalid, l->telem.invalid);
	}
	l->seq++;
	put(&s->telem_produced, l->seq);
	bump(&s->heartbeat, 1);
	put(&s->heartbeat_ns, now);
	spinal_wd_beat(l->wd, now); /* kernel watchdog: one store, no syscall */
}

/* A model published since the last tick: reset its state and switch to it. */
static inline void adopt_model(struct spinal_loop *l)
{
	struct spinal_model *m = spinal_model_current();
	struct sps_plan *plan = m ? m->plan : NULL;
	char err[8];

	if (plan != l->pipe.plan && pipeline_set_model(&l->pipe, plan, err, sizeof(err)))
		pipeline_set_model(&l->pipe, NULL, err, sizeof(err)); /* checked by the updater */
}

/* A parameter set published since the last tick: narrow the AAS limits. */
static inline void adopt_params(struct spinal_loop *l)
{
	struct spinal_params *p = spinal_params_current();

	if (p != l->params) {
		spinal_params_apply(&l->pipe, p);
		l->params = p;
	}
}

static void verify_sched(struct spinal_loop *l)
{
	struct sched_param sp;
	int policy;

	atomic_store(&l->rt_tid, (int)syscall(SYS_gettid));
	if (pthread_getschedparam(pthread_self(), &policy, &sp) == 0)
		atomic_store(&l->rt_fifo, policy == SCHED_FIFO);
}

void *loop_thread(void *arg)
{
	struct spinal_loop *l = arg;
	struct spinal_stats *s = l->stats;
	const uint64_t period = l->period_ns;
	uint64_t next, consec = 0;
	struct timespec ts;

	pthread_setname_np(pthread_self(), "spinal-rt");
	rt_prefault_stack(64 << 10);
	/*
	 * QSBR reader, offline while asleep (docs/graph.md): a grace period never
	 * has to wait for a sleeping RT thread, so no waiter goes to sleep on it
	 * and the thread almost never owes anyone a FUTEX_WAKE.
	 */
	spinal_rcu_register();
	verify_sched(l);
	next = spinal_mono_ns() + period;

	while (!atomic_load_explicit(&l->stop, memory_order_relaxed)) {
		struct tick t = { 0 };
		uint64_t st_ns[SPINAL_STAGE_COUNT];
		uint64_t t0, t1, t2, t3, t4, wake, end, planned = next;
		int64_t lateness;
		int rc;

		ts_from_ns(&ts, next);
		spinal_rcu_offline();
		rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		spinal_rcu_online();
		if (rc != 0 && rc != EINTR)
			break; /* EINVAL/EFAULT: a programming error, stop safely */
		wake = spinal_mono_ns();
		lateness = (int64_t)(wake - next);
		if (lateness < 0)
			lateness = 0;

		l->io->read_state(l->io, wake, &t.st);
		l->pipe.safe_stop = atomic_load_explicit(&s->safe_stop, memory_order_relaxed);
		adopt_model(l);
		adopt_params(l);
		t0 = spinal_mono_ns();
		pipeline_sfs(&l->pipe, &t);
		t1 = spinal_mono_ns();
		pipeline_sps(&l->pipe, &t);
		t2 = spinal_mono_ns();
		pipeline_aas(&l->pipe, &t);
		testhook_bad_tick();
		t3 = spinal_mono_ns();
		st_ns[SPINAL_STAGE_WAKE] = (uint64_t)lateness;
		st_ns[SPINAL_STAGE_SFS] = t1 - t0;
		st_ns[SPINAL_STAGE_SPS] = t2 - t1;
		st_ns[SPINAL_STAGE_AAS] = t3 - t2;
		/* an overrun flagged in telemetry is judged at emission time */
		if (t3 > next + period)
			t.flags |= SPINAL_TF_OVERRUN;
		stage_vi(l, &t, next, lateness, st_ns, t3);
		t4 = spinal_mono_ns();
		st_ns[SPINAL_STAGE_VI] = t4 - t3;

		spinal_hist_add(&s->stage[SPINAL_STAGE_WAKE], st_ns[SPINAL_STAGE_WAKE]);
		spinal_hist_add(&s->stage[SPINAL_STAGE_SFS], st_ns[SPINAL_STAGE_SFS]);
		spinal_hist_add(&s->stage[SPINAL_STAGE_SPS], st_ns[SPINAL_STAGE_SPS]);
		spinal_hist_add(&s->stage[SPINAL_STAGE_AAS], st_ns[SPINAL_STAGE_AAS]);
		spinal_hist_add(&s->stage[SPINAL_STAGE_VI], st_ns[SPINAL_STAGE_VI]);

		/* deadline accounting: work must end before the next planned wake */
		next += period;
		end = spinal_mono_ns();
		/* late tick: queue it for the tracer thread (no syscall) */
		trace_note_tick(l->trace, l->seq - 1, planned, wake, end);
		if (end > next) {
			bump(&s->overruns, 1);
			consec++;
			if (!atomic_load_explicit(&s->first_overrun_tick, memory_order_relaxed)) {
				put(&s->first_overrun_ns, end - next);
				put(&s->first_overrun_tick, l->seq);
			}
			/* skip the periods already lost instead of bursting to catch up */
			while (next < end) {
				next += period;
				bump(&s->missed_periods, 1);
			}
			if (l->max_consec_miss && consec >= l->max_consec_miss)
				atomic_fetch_or_explicit(&s->safe_stop, SPINAL_SAFE_STOP_OVERRUN,
							 memory_order_relaxed);
		} else {
			consec = 0;
		}
		put(&s->consec_miss, consec);
		if (consec > atomic_load_explicit(&s->consec_miss_max, memory_order_relaxed))
			put(&s->consec_miss_max, consec);
		bump(&s->ticks, 1);
		/* every RCU pointer of this tick is dead now: going offline is the quiescent state */
	}
	/* leave the robot stopped */
	{
		struct spinal_cmd zero = { 0.0f, 0.0f };

		l->io->write_cmd(l->io, spinal_mono_ns(), &zero);
	}
	spinal_rcu_unregister();
	return NULL;
}
