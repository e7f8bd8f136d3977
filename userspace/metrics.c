// SPDX-License-Identifier: MIT
/*
 * /metrics.  Names follow Prometheus conventions: spinal_ prefix, base units
 * (seconds), _total on counters.  Core counters restart from zero when the
 * core restarts, which Prometheus treats as a counter reset.  See
 * docs/metrics.md for the list.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <spinal/config.h>
#include <spinal/region.h>

#include "userspace/metrics.h"

/* 1-2-5 edges, 100 ns .. 100 ms: all of them are bucket edges of hist.h. */
static const uint64_t edges_ns[] = {
	100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000,
	1000000, 2000000, 5000000, 10000000, 20000000, 50000000, 100000000,
};

static void head(struct strbuf *o, const char *name, const char *type, const char *help)
{
	sb_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void one(struct strbuf *o, const char *name, const char *type, const char *help,
		uint64_t v)
{
	head(o, name, type, help);
	sb_printf(o, "%s %" PRIu64 "\n", name, v);
}

static uint64_t ld(const _Atomic uint64_t *p)
{
	return atomic_load_explicit(p, memory_order_relaxed);
}

void metrics_hist(struct strbuf *out, const char *name, const char *labels,
		  const struct spinal_hist *h)
{
	struct spinal_hist_snap s;
	uint64_t cum = 0;
	uint32_t b = 0;
	size_t e;

	spinal_hist_snapshot(h, &s);
	for (e = 0; e < sizeof(edges_ns) / sizeof(edges_ns[0]); e++) {
		while (b < SPINAL_HIST_NBUCKETS && spinal_hist_upper(b) <= edges_ns[e])
			cum += s.bucket[b++];
		sb_printf(out, "%s_bucket{%s,le=\"%g\"} %" PRIu64 "\n", name, labels,
			  edges_ns[e] / 1e9, cum);
	}
	sb_printf(out, "%s_bucket{%s,le=\"+Inf\"} %" PRIu64 "\n", name, labels, s.count);
	sb_printf(out, "%s_sum{%s} %.9f\n", name, labels, s.sum_ns / 1e9);
	sb_printf(out, "%s_count{%s} %" PRIu64 "\n", name, labels, s.count);
}

static void core_metrics(struct agent *ag, struct strbuf *o)
{
	const struct spinal_stats *st = ag->at.stats;
	const struct spinal_region_hdr *h = ag->at.stats_hdr;
	uint32_t state = attach_state(&ag->at);
	char lab[64];
	unsigned int i;

	head(o, "spinal_core_info", "gauge", "Identity of the attached core (value 1).");
	sb_printf(o, "spinal_core_info{instance=\"%s\",pid=\"%d\",abi=\"%u.%u\"} 1\n",
		  ag->opt.name, h->creator_pid, h->abi_major, h->abi_minor);
	one(o, "spinal_core_state", "gauge",
	    "Core state: 0 none, 1 starting, 2 running, 3 stopping, 4 stopped.", state);
	head(o, "spinal_core_period_seconds", "gauge", "Control loop period.");
	sb_printf(o, "spinal_core_period_seconds %.9f\n", h->period_ns / 1e9);
	head(o, "spinal_core_start_time_seconds", "gauge", "Core start, Unix time.");
	sb_printf(o, "spinal_core_start_time_seconds %.3f\n", h->start_realtime_ns / 1e9);
	one(o, "spinal_ticks_total", "counter", "Control loop ticks completed.", ld(&st->ticks));
	one(o, "spinal_overruns_total", "counter", "Ticks whose work ended after the next planned wake.",
	    ld(&st->overruns));
	one(o, "spinal_missed_periods_total", "counter", "Periods skipped to catch up after overruns.",
	    ld(&st->missed_periods));
	one(o, "spinal_consecutive_misses_max", "gauge", "Longest run of consecutive overruns.",
	    ld(&st->consec_miss_max));
	head(o, "spinal_stage_latency_seconds", "histogram",
	     "Per-stage latency; stage wake is the wake-up lateness (wake - planned).");
	for (i = 0; i < SPINAL_STAGE_COUNT; i++) {
		snprintf(lab, sizeof(lab), "stage=\"%s\"", spinal_stage_name(i));
		metrics_hist(o, "spinal_stage_latency_seconds", lab, &st->stage[i]);
	}
	one(o, "spinal_telemetry_produced_total", "counter",
	    "Telemetry records produced by the core (one per tick, dropped or not).",
	    ld(&st->telem_produced));
	one(o, "spinal_telemetry_dropped_total", "counter",
	    "Telemetry records the core dropped because the ring was full.", ld(&st->telem_dropped));
	one(o, "spinal_telemetry_ring_used", "gauge", "Telemetry ring slots in use.",
	    spinal_ring_fill(ag->at.prod, ag->at.cons));
	one(o, "spinal_telemetry_ring_slots", "gauge", "Telemetry ring capacity.", ag->at.nslots);
	one(o, "spinal_config_messages_accepted_total", "counter",
	    "Config messages the core accepted.", ld(&st->cfg_accepted));
	head(o, "spinal_config_messages_rejected_total", "counter",
	     "Config messages the core rejected, by reason (include/spinal/config.h).");
	for (i = 0; i < SPINAL_CFG_REJ_COUNT; i++)
		sb_printf(o, "spinal_config_messages_rejected_total{reason=\"%s\"} %" PRIu64 "\n",
			  spinal_cfg_reject_name(i), ld(&st->cfg_rejected_by[i]));
	head(o, "spinal_aas_interventions_total", "counter",
	     "Commands changed or zeroed by arbitration and safety, by reason.");
	for (i = 0; i < SPINAL_AAS_COUNT; i++)
		sb_printf(o, "spinal_aas_interventions_total{reason=\"%s\"} %" PRIu64 "\n",
			  spinal_aas_reason_name(i), ld(&st->aas[i]));
	one(o, "spinal_graph_generation", "gauge", "Generation of the published graph snapshot.",
	    ld(&st->graph_generation));
	one(o, "spinal_graph_nodes", "gauge", "Nodes in the published graph.", ld(&st->graph_nodes));
	one(o, "spinal_graph_edges", "gauge", "Edges in the published graph.", ld(&st->graph_edges));
	one(o, "spinal_model_id", "gauge", "Id of the loaded policy model (0: none).",
	    ld(&st->model_id));
	one(o, "spinal_model_neurons", "gauge", "Neurons of the loaded policy model.",
	    ld(&st->model_neurons));
	one(o, "spinal_safe_stop_latched", "gauge", "Core's safe-stop latch (bit mask, 0: clear).",
	    atomic_load_explicit(&st->safe_stop, memory_order_relaxed));
	head(o, "spinal_heartbeat_age_seconds", "gauge", "Age of the core's heartbeat.");
	sb_printf(o, "spinal_heartbeat_age_seconds %.6f\n",
		  wd_heartbeat_age(st, agent_now_ns()) / 1e9);
}

int metrics_render(struct agent *ag, struct strbuf *o)
{
	struct agent_view v;

	pthread_mutex_lock(&ag->lock);
	v = ag->view;
	one(o, "spinal_up", "gauge", "1 when the agent is attached to a live core.",
	    (uint64_t)(v.attached && !v.core_dead));
	if (v.attached)
		core_metrics(ag, o);
	pthread_mutex_unlock(&ag->lock);
	one(o, "spinal_core_dead", "gauge", "Watchdog verdict: 1 when the core died or stalled.",
	    (uint64_t)v.core_dead);
	one(o, "spinal_safe_stop_requested", "gauge",
	    "1 while the agent asks I/O drivers to stop the robot.", (uint64_t)v.safe_stop_req);
	one(o, "spinal_watchdog_stalls_total", "counter", "Core heartbeat stalls detected.",
	    v.wd_stalls);
	one(o, "spinal_watchdog_core_deaths_total", "counter",
	    "Core exits without a clean stop detected.", v.wd_deaths);
	one(o, "spinal_telemetry_written_total", "counter",
	    "Telemetry records this agent wrote to the durable log.", v.written);
	one(o, "spinal_telemetry_missing_total", "counter",
	    "Telemetry records this agent reported missing (gap markers in the log).", v.missing);
	one(o, "spinal_agent_attaches_total", "counter", "Times the agent attached to a core.",
	    v.attaches);
	one(o, "spinal_agent_log_write_calls_total", "counter", "write() calls for log batches.",
	    v.log.writes);
	one(o, "spinal_agent_log_bytes_total", "counter", "Bytes of log entries written.",
	    v.log.bytes);
	one(o, "spinal_agent_log_rotations_total", "counter", "Log file rotations.", v.log.rotations);
	one(o, "spinal_agent_log_errors_total", "counter", "Failed log batch writes.", v.log.errors);
	one(o, "spinal_agent_log_fsyncs_total", "counter", "fsync/fdatasync calls on the log.",
	    v.log.fsyncs);
	head(o, "spinal_agent_config_sent_total", "counter",
	     "Config messages this agent sent (or failed to send), by the core's verdict.");
	sb_printf(o, "spinal_agent_config_sent_total{result=\"accepted\"} %" PRIu64 "\n",
		  atomic_load_explicit(&ag->cfg.n_accepted, memory_order_relaxed));
	sb_printf(o, "spinal_agent_config_sent_total{result=\"rejected\"} %" PRIu64 "\n",
		  atomic_load_explicit(&ag->cfg.n_rejected, memory_order_relaxed));
	sb_printf(o, "spinal_agent_config_sent_total{result=\"pending\"} %" PRIu64 "\n",
		  atomic_load_explicit(&ag->cfg.n_pending, memory_order_relaxed));
	sb_printf(o, "spinal_agent_config_sent_total{result=\"not_sent\"} %" PRIu64 "\n",
		  atomic_load_explicit(&ag->cfg.n_failed, memory_order_relaxed));
	one(o, "spinal_kernel_watchdog_trips_total", "counter",
	    "spinal_wd kernel watchdog trips this agent saw (0 when the module is absent).",
	    v.kwd_trips);
	head(o, "spinal_agent_config_reloads_total", "counter", "Config reloads (SIGHUP) by result.");
	sb_printf(o, "spinal_agent_config_reloads_total{result=\"ok\"} %" PRIu64 "\n", v.reloads);
	sb_printf(o, "spinal_agent_config_reloads_total{result=\"error\"} %" PRIu64 "\n",
		  v.reload_errors);
	return o->oom ? -ENOMEM : 0;
}
