// SPDX-License-Identifier: MIT
/*
 * spinal-inspect: read-only view of a running (or stopped) spinal-core.
 * Maps the STATS region (and, when readable, the telemetry ring indices)
 * with PROT_READ only; never writes anything.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <spinal/clock.h>
#include <spinal/config.h>
#include <spinal/ring.h>
#include <spinal/shm.h>
#include <spinal/stats.h>

#include "lib/handoff_client.h"
#include "lib/histexport.h"
#include "lib/incident.h"
#include "lib/jsonout.h"
#include "lib/region_map.h"

static volatile sig_atomic_t stop;
static const char *sock_path; /* --socket: regions from spinal-core's handoff socket */

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fputs(
"Usage: spinal-inspect [OPTION]...\n"
"Attach read-only to a spinal-core instance and print its header, state,\n"
"counters, telemetry ring fill and drops, and per-stage latency p50/p99/max.\n"
"\n"
"  -n, --name NAME     instance name (default: spinal)\n"
"  -j, --json          print one JSON object instead of the human report\n"
"  -s, --socket PATH   get read-only descriptors from a core started with\n"
"                      --socket PATH (memfd regions) instead of /dev/shm\n"
"  -w, --watch[=S]     refresh every S seconds (default 1) until interrupted\n"
"      --histfile FILE write the per-stage latency histograms in cyclictest's\n"
"                      --histfile text format (one column per stage, 1 us rows,\n"
"                      exact spinal buckets in '#' comments); '-' = stdout\n"
"      --histjson FILE the same as JSON in cyclictest's --json layout\n"
"      --hist-rows N   rows (microseconds) for --histfile/--histjson (default 1000)\n"
"  -h, --help          this help\n"
"\n"
"Percentiles are upper edges of the histogram bucket holding the sample\n"
"(buckets are at most 10% wide), clamped to the observed maximum.\n"
"Exit status: 0 ok; 1 nothing to attach to or the region is invalid (the\n"
"reason is printed on one line); 2 bad usage.\n", f);
}

struct view {
	const struct spinal_region_hdr *h;
	size_t hlen;
	const struct spinal_stats *s;
	const struct spinal_ring_idx *prod, *cons;
	const struct spinal_agent_info *agent;
	const struct spinal_cfg_verdicts *vt; /* config verdicts (ABI 1.1), may be NULL */
	void *telem, *consr;
	size_t tlen, clen;
	const struct spinal_incident_ring *inc; /* late-tick incidents, NULL: older core */
	uint64_t inclen;
};

#define INSPECT_INCIDENTS 8 /* the last incidents shown */

static uint64_t ld(const _Atomic uint64_t *p)
{
	return atomic_load_explicit(p, memory_order_relaxed);
}

static float ldf(const _Atomic uint32_t *p)
{
	uint32_t u = atomic_load_explicit(p, memory_order_relaxed);
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

/* --socket: read-only descriptors from the core (lib/handoff_client.h) */
static int attach_socket(struct view *v, char *err, size_t errlen)
{
	struct spinal_handoff ho;

	if (spinal_handoff_attach(sock_path, SPINAL_ROLE_INSPECTOR, &ho, err, errlen))
		return -1;
	v->h = spinal_handoff_take(&ho, SPINAL_REGION_STATS, &v->hlen);
	v->telem = spinal_handoff_take(&ho, SPINAL_REGION_TELEM, &v->tlen);
	v->consr = spinal_handoff_take(&ho, SPINAL_REGION_CONS, &v->clen);
	spinal_handoff_detach(&ho);
	if (!v->h) {
		snprintf(err, errlen, "core at %s sent no stats region", sock_path);
		return -1;
	}
	return 0;
}

static int attach(struct view *v, const char *name, char *err, size_t errlen)
{
	char ignored[256];
	uint64_t len;

	memset(v, 0, sizeof(*v));
	if (sock_path) {
		if (attach_socket(v, err, errlen))
			return -1;
	} else {
		v->h = spinal_region_map(name, SPINAL_REGION_STATS, 0, &v->hlen, err, errlen);
	}
	if (!v->h)
		return -1;
	v->s = spinal_region_section(v->h, SPINAL_SECT_STATS, &len, NULL);
	v->inc = spinal_region_section(v->h, SPINAL_SECT_INCIDENTS, &v->inclen, NULL);
	if (!v->s || len < sizeof(*v->s)) {
		snprintf(err, errlen, "stats section missing or too small in instance '%s'", name);
		return -1;
	}
	v->vt = spinal_region_section(v->h, SPINAL_SECT_CFG_VERDICT, &len, NULL);
	if (v->vt && (len < sizeof(*v->vt) || v->vt->nslots != SPINAL_CFG_VERDICT_SLOTS))
		v->vt = NULL; /* not a table this inspector reads */
	/* ring indices are optional: the inspector may lack access to them */
	if (!sock_path) {
		v->telem = spinal_region_map(name, SPINAL_REGION_TELEM, 0, &v->tlen, ignored,
					     sizeof(ignored));
		v->consr = spinal_region_map(name, SPINAL_REGION_CONS, 0, &v->clen, ignored,
					     sizeof(ignored));
	}
	if (v->telem)
		v->prod = spinal_region_section(v->telem, SPINAL_SECT_RING_PROD, NULL, NULL);
	if (v->consr) {
		v->cons = spinal_region_section(v->consr, SPINAL_SECT_RING_CONS, NULL, NULL);
		v->agent = spinal_region_section(v->consr, SPINAL_SECT_AGENT, NULL, NULL);
	}
	return 0;
}

static void detach(struct view *v)
{
	if (v->h)
		munmap((void *)v->h, v->hlen);
	if (v->telem)
		munmap(v->telem, v->tlen);
	if (v->consr)
		munmap(v->consr, v->clen);
	memset(v, 0, sizeof(*v));
}

struct stage_q {
	uint64_t count, p50, p99, max;
};

static void stage_quantiles(const struct spinal_stats *s, unsigned int i, struct stage_q *q)
{
	static struct spinal_hist_snap snap;

	spinal_hist_snapshot(&s->stage[i], &snap);
	q->count = snap.count;
	q->p50 = spinal_hist_quantile(&snap, 0.50);
	q->p99 = spinal_hist_quantile(&snap, 0.99);
	q->max = snap.count ? snap.max_ns : 0;
}

#define VERDICTS_SHOWN 8 /* the newest config verdicts in a report */

/* Up to @max of the newest verdicts, newest first.  Returns how many. */
static unsigned int last_verdicts(const struct view *v, struct spinal_cfg_verdict *out,
				  unsigned int max)
{
	uint64_t h, n;
	unsigned int k = 0;

	if (!v->vt)
		return 0;
	h = atomic_load_explicit(&v->vt->handled, memory_order_acquire);
	for (n = h; n > 0 && h - n < SPINAL_CFG_VERDICT_SLOTS && k < max; n--)
		if (!spinal_cfg_verdict_get(v->vt, n, &out[k]))
			k++;
	return k;
}

static void print_json_verdicts(const struct view *v)
{
	struct spinal_cfg_verdict vd[VERDICTS_SHOWN];
	unsigned int i, n = last_verdicts(v, vd, VERDICTS_SHOWN);

	if (!v->vt)
		return;
	printf(",\"seq_base\":%" PRIu64 ",\"last_accepted_seq\":%" PRIu64 ",\"handled\":%" PRIu64
	       ",\"verdicts\":[", ld(&v->vt->seq_base), ld(&v->vt->last_accepted),
	       ld(&v->vt->handled));
	for (i = 0; i < n; i++) {
		printf("%s{\"handled\":%" PRIu64 ",\"seq\":%" PRIu64 ",\"type\":\"%s\",\"verdict\":\"%s\"",
		       i ? "," : "", vd[i].handled, vd[i].seq, spinal_cfg_type_name(vd[i].type),
		       spinal_cfg_verdict_name(vd[i].verdict));
		if (vd[i].verdict == SPINAL_CFG_V_REJECTED)
			printf(",\"reason\":\"%s\",\"detail\":\"%s\",\"index\":%u,\"value\":%.17g,\"limit\":%.17g",
			       spinal_cfg_reject_name(vd[i].reason),
			       spinal_cfg_detail_name(vd[i].detail), vd[i].index,
			       isfinite(vd[i].value) ? vd[i].value : 0.0,
			       isfinite(vd[i].limit) ? vd[i].limit : 0.0);
		printf(",\"text\":");
		spinal_json_str(stdout, vd[i].text);
		printf("}");
	}
	printf("]");
}

static void print_human_verdicts(const struct view *v)
{
	struct spinal_cfg_verdict vd[VERDICTS_SHOWN];
	unsigned int i, n = last_verdicts(v, vd, VERDICTS_SHOWN);

	if (!n)
		return;
	printf("  last config verdicts (window base seq %" PRIu64 "):\n", ld(&v->vt->seq_base));
	for (i = 0; i < n; i++) {
		if (vd[i].verdict == SPINAL_CFG_V_REJECTED)
			printf("    seq %-20" PRIu64 " %-12s REJECTED %s%s%s\n", vd[i].seq,
			       spinal_cfg_type_name(vd[i].type), spinal_cfg_reject_name(vd[i].reason),
			       vd[i].text[0] ? ": " : "", vd[i].text);
		else
			printf("    seq %-20" PRIu64 " %-12s %s\n", vd[i].seq,
			       spinal_cfg_type_name(vd[i].type), spinal_cfg_verdict_name(vd[i].verdict));
	}
}

static void print_json(const struct view *v)
{
	const struct spinal_region_hdr *h = v->h;
	const struct spinal_stats *s = v->s;
	uint64_t hb = ld(&s->heartbeat_ns), now = spinal_mono_ns();
	unsigned int i;

	printf("{\"abi_version\":\"%u.%u\",\"instance\":\"%.*s\",\"core_pid\":%d,",
	       h->abi_major, h->abi_minor, SPINAL_NAME_MAX, h->name, h->creator_pid);
	printf("\"state\":\"%s\",\"period_ns\":%u,\"rt_cpu\":%d,",
	       spinal_state_name(atomic_load(&h->state)), h->period_ns, h->rt_cpu);
	printf("\"rt\":{\"sched_fifo\":%s,\"mlocked\":%s,\"preempt_rt\":%s,\"isolated_cpu\":%s},",
	       h->flags & SPINAL_F_RT_SCHED ? "true" : "false",
	       h->flags & SPINAL_F_MLOCKED ? "true" : "false",
	       h->flags & SPINAL_F_PREEMPT_RT ? "true" : "false",
	       h->flags & SPINAL_F_ISOLATED ? "true" : "false");
	printf("\"start_realtime_ns\":%" PRIu64 ",", h->start_realtime_ns);
	printf("\"ticks\":%" PRIu64 ",\"overruns\":%" PRIu64 ",\"missed_periods\":%" PRIu64
	       ",\"consec_miss_max\":%" PRIu64 ",",
	       ld(&s->ticks), ld(&s->overruns), ld(&s->missed_periods), ld(&s->consec_miss_max));
	printf("\"heartbeat\":%" PRIu64 ",\"heartbeat_age_ns\":%" PRIu64 ",",
	       ld(&s->heartbeat), hb && now > hb ? now - hb : 0);
	printf("\"safe_stop\":%u,\"goal_reached\":%s,",
	       atomic_load(&s->safe_stop), atomic_load(&s->goal_reached) ? "true" : "false");
	printf("\"pose\":{\"x\":%.4f,\"y\":%.4f,\"theta\":%.4f},\"cmd\":{\"v\":%.4f,\"omega\":%.4f},",
	       ldf(&s->pose_x), ldf(&s->pose_y), ldf(&s->pose_theta), ldf(&s->cmd_v),
	       ldf(&s->cmd_omega));
	printf("\"telemetry\":{\"produced\":%" PRIu64 ",\"dropped\":%" PRIu64
	       ",\"consumer_invalid\":%" PRIu64,
	       ld(&s->telem_produced), ld(&s->telem_dropped), ld(&s->telem_cons_invalid));
	if (v->prod && v->cons)
		printf(",\"ring_fill\":%u,\"ring_slots\":%u", spinal_ring_fill(v->prod, v->cons),
		       v->prod->nslots);
	if (v->agent)
		printf(",\"agent_pid\":%d,\"agent_attached\":%s,\"agent_written\":%" PRIu64
		       ",\"agent_missing\":%" PRIu64,
		       atomic_load(&v->agent->pid),
		       atomic_load(&v->agent->attached) ? "true" : "false",
		       ld(&v->agent->written), ld(&v->agent->missing));
	printf("},\"stages\":{");
	for (i = 0; i < SPINAL_STAGE_COUNT; i++) {
		struct stage_q q;

		stage_quantiles(s, i, &q);
		printf("%s\"%s\":{\"count\":%" PRIu64 ",\"p50_ns\":%" PRIu64 ",\"p99_ns\":%" PRIu64
		       ",\"max_ns\":%" PRIu64 "}",
		       i ? "," : "", spinal_stage_name(i), q.count, q.p50, q.p99, q.max);
	}
	printf("},\"graph\":{\"generation\":%" PRIu64 ",\"nodes\":%" PRIu64 ",\"edges\":%" PRIu64
	       "},", ld(&s->graph_generation), ld(&s->graph_nodes), ld(&s->graph_edges));
	printf("\"config\":{\"accepted\":%" PRIu64 ",\"rejected\":%" PRIu64 ",\"rejected_by\":{",
	       ld(&s->cfg_accepted), ld(&s->cfg_rejected));
	for (i = 0; i < SPINAL_CFG_REJ_COUNT; i++)
		printf("%s\"%s\":%" PRIu64, i ? "," : "", spinal_cfg_reject_name(i),
		       ld(&s->cfg_rejected_by[i]));
	printf("}");
	print_json_verdicts(v);
	printf("},\"model\":{\"id\":\"%016" PRIx64 "\",\"layers\":%" PRIu64 ",\"neurons\":%" PRIu64
	       ",\"loaded_generation\":%" PRIu64 "},",
	       ld(&s->model_id), ld(&s->model_layers), ld(&s->model_neurons),
	       ld(&s->model_loaded_generation));
	printf("\"aas\":{\"interventions\":{");
	for (i = 0; i < SPINAL_AAS_COUNT; i++)
		printf("%s\"%s\":%" PRIu64, i ? "," : "", spinal_aas_reason_name(i), ld(&s->aas[i]));
	printf("}},\"sfs\":{\"cache\":{\"hits\":%" PRIu64 ",\"misses\":%" PRIu64 "}},",
	       ld(&s->sfs_cache_hits), ld(&s->sfs_cache_misses));
	printf("\"incidents\":");
	spinal_incident_report(stdout, v->inc, (size_t)v->inclen, INSPECT_INCIDENTS, 1);
	printf("}\n");
}

static void fmt_ns(char *buf, size_t len, uint64_t ns)
{
	if (ns < 10000)
		snprintf(buf, len, "%" PRIu64 " ns", ns);
	else if (ns < 10000000)
		snprintf(buf, len, "%.1f us", (double)ns / 1e3);
	else
		snprintf(buf, len, "%.2f ms", (double)ns / 1e6);
}

static void print_human(const struct view *v)
{
	const struct spinal_region_hdr *h = v->h;
	const struct spinal_stats *s = v->s;
	uint64_t hb = ld(&s->heartbeat_ns), now = spinal_mono_ns();
	unsigned int i;

	printf("spinal instance '%.*s'  ABI %u.%u  core pid %d  state %s\n", SPINAL_NAME_MAX,
	       h->name, h->abi_major, h->abi_minor, h->creator_pid,
	       spinal_state_name(atomic_load(&h->state)));
	printf("  period %u us  RT CPU %d  %s  memory %s  kernel %s%s\n", h->period_ns / 1000,
	       h->rt_cpu, h->flags & SPINAL_F_RT_SCHED ? "SCHED_FIFO" : "not real-time",
	       h->flags & SPINAL_F_MLOCKED ? "locked" : "not locked",
	       h->flags & SPINAL_F_PREEMPT_RT ? "PREEMPT_RT" : "not RT",
	       h->flags & SPINAL_F_ISOLATED ? "  isolated CPU" : "");
	printf("  ticks %" PRIu64 "  overruns %" PRIu64 "  missed periods %" PRIu64
	       "  max consecutive misses %" PRIu64 "\n",
	       ld(&s->ticks), ld(&s->overruns), ld(&s->missed_periods), ld(&s->consec_miss_max));
	printf("  heartbeat %" PRIu64 " (%.1f ms ago)  safe stop %s  goal %s\n",
	       ld(&s->heartbeat), hb && now > hb ? (double)(now - hb) / 1e6 : 0.0,
	       atomic_load(&s->safe_stop) ? "LATCHED" : "no",
	       atomic_load(&s->goal_reached) ? "reached" : "not reached");
	printf("  pose x %.3f y %.3f theta %.3f  command v %.3f omega %.3f\n", ldf(&s->pose_x),
	       ldf(&s->pose_y), ldf(&s->pose_theta), ldf(&s->cmd_v), ldf(&s->cmd_omega));
	printf("  telemetry produced %" PRIu64 "  dropped %" PRIu64, ld(&s->telem_produced),
	       ld(&s->telem_dropped));
	if (v->prod && v->cons)
		printf("  ring %u/%u", spinal_ring_fill(v->prod, v->cons), v->prod->nslots);
	if (v->agent)
		printf("  agent pid %d %s written %" PRIu64 " missing %" PRIu64,
		       atomic_load(&v->agent->pid),
		       atomic_load(&v->agent->attached) ? "attached" : "detached",
		       ld(&v->agent->written), ld(&v->agent->missing));
	printf("\n  graph gen %" PRIu64 " nodes %" PRIu64 " edges %" PRIu64
	       "  config accepted %" PRIu64 " rejected %" PRIu64 "  model %016" PRIx64 "\n",
	       ld(&s->graph_generation), ld(&s->graph_nodes), ld(&s->graph_edges),
	       ld(&s->cfg_accepted), ld(&s->cfg_rejected), ld(&s->model_id));
	printf("  %-6s %12s %12s %12s %12s\n", "stage", "count", "p50", "p99", "max");
	for (i = 0; i < SPINAL_STAGE_COUNT; i++) {
		struct stage_q q;
		char a[32], b[32], c[32];

		stage_quantiles(s, i, &q);
		fmt_ns(a, sizeof(a), q.p50);
		fmt_ns(b, sizeof(b), q.p99);
		fmt_ns(c, sizeof(c), q.max);
		printf("  %-6s %12" PRIu64 " %12s %12s %12s\n", spinal_stage_name(i), q.count, a, b, c);
	}
	printf("  AAS interventions:");
	for (i = 0; i < SPINAL_AAS_COUNT; i++)
		if (ld(&s->aas[i]))
			printf(" %s=%" PRIu64, spinal_aas_reason_name(i), ld(&s->aas[i]));
	printf("\n");
	spinal_incident_report(stdout, v->inc, (size_t)v->inclen, INSPECT_INCIDENTS, 0);
	print_human_verdicts(v);
}

/* --histfile / --histjson: every stage, one column each. */
static int export_hist(const struct view *v, const char *path, int json, unsigned int rows)
{
	static struct spinal_hist_snap snaps[SPINAL_STAGE_COUNT];
	const char *names[SPINAL_STAGE_COUNT];
	unsigned int i;
	FILE *f;
	int rc;

	for (i = 0; i < SPINAL_STAGE_COUNT; i++) {
		spinal_hist_snapshot(&v->s->stage[i], &snaps[i]);
		names[i] = spinal_stage_name(i);
	}
	f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	if (!f) {
		fprintf(stderr, "spinal-inspect: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	rc = json ? spinal_histjson_write(f, snaps, names, SPINAL_STAGE_COUNT, rows, 0)
		  : spinal_histfile_write(f, snaps, names, SPINAL_STAGE_COUNT, rows,
					  SPINAL_HISTEXPORT_NATIVE);
	if (f != stdout && fclose(f) != 0 && !rc)
		rc = -EIO;
	if (rc)
		fprintf(stderr, "spinal-inspect: writing %s failed: %s\n", path, strerror(-rc));
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "watch", optional_argument, NULL, 'w' },
		{ "histfile", required_argument, NULL, 'H' },
		{ "histjson", required_argument, NULL, 'J' },
		{ "hist-rows", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = SPINAL_DEFAULT_INSTANCE, *histfile = NULL, *histjson = NULL;
	unsigned long rows = SPINAL_HISTEXPORT_DEFAULT_ROWS;
	double watch = 0;
	int json = 0, c;
	char err[512];
	struct view v;

	while ((c = getopt_long(argc, argv, "n:js:w::h", lo, NULL)) != -1) {
		switch (c) {
		case 'n':
			name = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 's':
			sock_path = optarg;
			break;
		case 'w':
			watch = optarg ? strtod(optarg, NULL) : 1.0;
			if (!(watch >= 0.05 && watch <= 3600)) {
				fprintf(stderr, "spinal-inspect: --watch interval must be 0.05..3600 s\n");
				return 2;
			}
			break;
		case 'H':
			histfile = optarg;
			break;
		case 'J':
			histjson = optarg;
			break;
		case 'R': {
			char *end;

			rows = strtoul(optarg, &end, 10);
			if (*end || rows < 1 || rows > SPINAL_HISTEXPORT_MAX_ROWS) {
				fprintf(stderr, "spinal-inspect: --hist-rows must be 1..%u\n",
					SPINAL_HISTEXPORT_MAX_ROWS);
				return 2;
			}
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "Try 'spinal-inspect --help'.\n");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "spinal-inspect: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (attach(&v, name, err, sizeof(err))) {
		fprintf(stderr, "spinal-inspect: %s\n", err);
		return 1;
	}
	if (histfile || histjson) {
		int rc = 0;

		if (histfile)
			rc = export_hist(&v, histfile, 0, (unsigned int)rows);
		if (!rc && histjson)
			rc = export_hist(&v, histjson, 1, (unsigned int)rows);
		detach(&v);
		return rc ? 1 : 0;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	do {
		if (watch > 0 && !json)
			printf("\033[H\033[2J");
		if (json)
			print_json(&v);
		else
			print_human(&v);
		fflush(stdout);
		if (watch > 0) {
			struct timespec ts = { (time_t)watch,
					       (long)((watch - (double)(time_t)watch) * 1e9) };

			nanosleep(&ts, NULL);
			/* a restarted core replaces the regions: follow it */
			if (v.h->creator_pid != 0 && atomic_load(&v.h->state) == SPINAL_STATE_STOPPED) {
				struct view nv;

				if (attach(&nv, name, err, sizeof(err)) == 0) {
					detach(&v);
					v = nv;
				}
			}
		}
	} while (watch > 0 && !stop);
	detach(&v);
	return 0;
}
