// SPDX-License-Identifier: MIT
/*
 * spinal-closedloop: the control pipeline (rtcore/pipeline.c: SFS, SPS, AAS)
 * driving the in-process unicycle (rtcore/io_sim.c) in simulated time, no
 * sleeping, over N seeded random start/goal pairs on a map.  Used by the
 * closed-loop test and, with --dump, to record the expert follower's
 * trajectories for tools/train_policy.py (features + expert command per tick,
 * so Python never reimplements SFS).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtcore/graph.h"
#include "rtcore/io.h"
#include "rtcore/pipeline.h"
#include "rtcore/sps.h"
#include "tools/pipe_world.h"
#include <spinal/telemlog.h>

static const char usage[] =
"Usage: spinal-closedloop [OPTIONS]\n"
"Run spinal's control pipeline (SFS -> SPS -> AAS) against the simulated\n"
"unicycle robot in simulated time, for N random start/goal node pairs, and\n"
"report how many reach their goal.\n"
"\n"
"  --model FILE       NIR policy (default data/models/default.nir); 'none':\n"
"                     the classical follower drives (the expert)\n"
"  --map SPEC         'builtin' (default) or a map file (tools/pipe_world.h)\n"
"  --pairs N          start/goal pairs (default 50)\n"
"  --seed S           random seed (default 1)\n"
"  --period-us US     simulated loop period (default 1000)\n"
"  --max-sim-s S      give up an episode after S simulated seconds (120)\n"
"  --min-dist M       minimum start-goal distance, m (default 4)\n"
"  --cache 0|1        SFS feature cache (default 0, docs/features.md)\n"
"  --goal-tol M       goal reached within M metres (default 0.25; the core's\n"
"                     own default is 0.1: pass --goal-tol 0.1 to measure what\n"
"                     the robot will do)\n"
"  --dump FILE        write features and the expert command per tick: binary,\n"
"                     int32 column count C, then rows of C float32: episode,\n"
"                     tick, the SFS features, expert v, expert omega, and the\n"
"                     AAS-limited expert v, omega (the follower's command\n"
"                     clamped from the command executed last tick)\n"
"  --dump-every N, --dump-window W\n"
"                     dump ticks with tick % N < W (default 1, 1: all)\n"
"  --explore P        with --model none: perturb the executed command with\n"
"                     probability P per second (labels stay the expert's)\n"
"  --record FILE      write the first pair's run as a telemetry log\n"
"                     (include/spinal/telemlog.h) for spinal-replay\n"
"  --require-rate R   exit 1 if the success rate is below R (0..1)\n"
"  --require-policy S exit 1 if the policy drove less than share S of the\n"
"                     ticks (0..1; ticks the follower drove do not count)\n"
"  --require-fallback-max S, --require-clamp-max S\n"
"                     exit 1 if the fallback follower drove, or the\n"
"                     acceleration/jerk clamp fired, on more than share S\n"
"                     of the ticks\n"
"  --require-path-max R\n"
"                     exit 1 if the mean path length of the reached pairs\n"
"                     is more than R times the expert's on the same pairs\n"
"                     (runs the expert too)\n"
"  --require-no-safety-stop\n"
"                     exit 1 on any safety stop\n"
"  -q, --quiet        summary only\n"
"  -h, --help         this text\n"
"\n"
"A run counts as a success when AAS reports goal reached before the time\n"
"limit with no safety stop (stale, e-stop, NaN, no policy, overrun).  The\n"
"summary gives the share of ticks the policy drove, the share the fallback\n"
"follower drove (low confidence, or no model), the share with an\n"
"acceleration or jerk clamp, and the mean path length.\n"
"Exit status: 0 ok, 1 a --require-* gate failed or a setup error, 2 usage.\n";

struct opts {
	const char *model, *map, *dump, *record;
	long pairs, period_us, dump_every, dump_window;
	unsigned long long seed;
	double max_sim_s, min_dist, explore, require_rate, goal_tol;
	double req_policy, req_fallback, req_clamp, req_path; /* < 0: no gate */
	int cache, quiet, req_no_stop;
};

static uint64_t rng_state;
static int32_t dump_cols;
static FILE *rec_f; /* --record: first pair as a telemetry log */
static uint64_t rec_seq;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double rng_unit(void)
{
	return (double)(rng_next() >> 11) * (1.0 / 9007199254740992.0);
}

#define SAFETY_STOPS ((1u << SPINAL_AAS_STALE_STATE) | (1u << SPINAL_AAS_ESTOP) | \
		      (1u << SPINAL_AAS_NAN) | (1u << SPINAL_AAS_NO_POLICY) | \
		      (1u << SPINAL_AAS_OVERRUN_STOP))

#define MAX_PATHS 4096

struct totals {
	long ok, fail, safety, ticks;
	uint64_t aas[SPINAL_AAS_COUNT];
	uint64_t hits, misses;
	uint64_t driven_policy, driven_fallback, clamped;
	double sim_s;
	double path[MAX_PATHS]; /* per pair, m; < 0: not reached */
};

static int episode(const struct opts *o, struct spinal_gmodel *m, struct sps_plan *plan,
		   long ep, FILE *dump, struct totals *tot)
{
	uint64_t period = (uint64_t)o->period_us * 1000u;
	uint32_t sid, gid;
	struct spinal_graph *g;
	struct pipeline p;
	struct pipeline_cfg pc;
	struct io_backend *io;
	const struct spinal_gm_node *s, *gn;
	long tick, max_ticks = (long)(o->max_sim_s * 1e9 / (double)period);
	double pert_left = 0, pert_w = 0, pert_v = 0;
	uint32_t stops = 0;
	int reached = 0, tries = 0;
	double path = 0, px = 0, py = 0;
	struct spinal_cmd prev_cmd = { 0 };
	float lim_a = 0, lim_alpha = 0;
	char err[256];

	do {
		s = &m->nodes[rng_next() % m->n];
		gn = &m->nodes[rng_next() % m->n];
	} while (hypotf(s->x - gn->x, s->y - gn->y) < o->min_dist && ++tries < 1000);
	sid = s->id;
	gid = gn->id;
	g = pw_snapshot(m, gid, (uint64_t)ep + 1);
	if (!g) {
		fprintf(stderr, "spinal-closedloop: cannot build the snapshot: %s\n", strerror(errno));
		return -1;
	}
	pw_pipeline_cfg(&pc, period);
	pc.goal_tol = (float)o->goal_tol;
	pc.sfs.k = 0;
	pipeline_init(&p, &pc);
	p.sfs.cfg.cache = o->cache;
	p.graph = g;
	if (pipeline_set_model(&p, plan, err, sizeof(err))) {
		fprintf(stderr, "spinal-closedloop: %s\n", err);
		spinal_graph_free(g, 0);
		return -1;
	}
	io = io_sim_create(s->x, s->y, rng_unit() * 2 * M_PI - M_PI, (double)period * 1e-9);
	for (tick = 0; tick < max_ticks; tick++) {
		struct tick t;
		uint64_t now = (uint64_t)(tick + 1) * period;
		unsigned int i;

		memset(&t, 0, sizeof(t));
		io->read_state(io, now, &t.st);
		if (tick)
			path += hypot((double)t.st.x - px, (double)t.st.y - py);
		px = t.st.x;
		py = t.st.y;
		pipeline_tick(&p, &t);
		stops |= t.aas_mask & SAFETY_STOPS;
		for (i = 0; i < SPINAL_AAS_COUNT; i++)
			if (t.aas_mask & (1u << i))
				tot->aas[i]++;
		if (!(t.aas_mask & ((1u << SPINAL_AAS_GOAL_REACHED) | SAFETY_STOPS))) {
			if (t.aas_mask & (1u << SPINAL_AAS_FALLBACK))
				tot->driven_fallback++;
			else
				tot->driven_policy++;
		}
		if (t.aas_mask & ((1u << SPINAL_AAS_CLAMP_ACCEL) | (1u << SPINAL_AAS_CLAMP_JERK)))
			tot->clamped++;
		if (dump && tick % o->dump_every < o->dump_window &&
		    !(t.aas_mask & (1u << SPINAL_AAS_GOAL_REACHED))) {
			float row[SFS_MAX_FEATURES + 6];
			struct spinal_cmd lim = { .v = t.fb_v, .omega = t.fb_w };
			float la = lim_a, lal = lim_alpha;

			/* the expert as AAS would let it drive from here */
			aas_clamp(&p.aas.lim, &p.aas.cfg.hard, &prev_cmd, p.aas.cfg.dt, &la, &lal, &lim);
			row[0] = (float)ep;
			row[1] = (float)tick;
			memcpy(&row[2], t.sf.f, t.sf.n * sizeof(float));
			row[2 + t.sf.n] = t.fb_v;
			row[3 + t.sf.n] = t.fb_w;
			row[4 + t.sf.n] = lim.v;
			row[5 + t.sf.n] = lim.omega;
			if (!dump_cols) {
				dump_cols = (int32_t)t.sf.n + 6;
				fwrite(&dump_cols, sizeof(dump_cols), 1, dump);
			}
			fwrite(row, sizeof(float), t.sf.n + 6, dump);
		}
		if (o->explore > 0 && !plan) {
			/* DAgger-style: drive off the expert's path, label with the expert */
			if (pert_left <= 0 && rng_unit() < o->explore * (double)period * 1e-9) {
				pert_left = 0.2 + 0.6 * rng_unit();
				pert_w = (rng_unit() * 2 - 1) * 1.0;
				pert_v = (rng_unit() * 2 - 1) * 0.3;
			}
			if (pert_left > 0) {
				t.cmd.omega += (float)pert_w;
				t.cmd.v += (float)pert_v;
				pert_left -= (double)period * 1e-9;
			}
		}
		if (rec_f && ep == 0) {
			struct spinal_telem_rec r;

			memset(&r, 0, sizeof(r));
			pipeline_record(&p, &t, &r);
			r.seq = rec_seq++;
			r.kind = SPINAL_REC_TICK;
			r.t_planned_ns = now;
			fwrite(&r, sizeof(r), 1, rec_f);
		}
		io->write_cmd(io, now, &t.cmd);
		prev_cmd = p.aas.prev;
		lim_a = p.aas.prev_a;
		lim_alpha = p.aas.prev_alpha;
		if (p.goal_reached && !stops) {
			reached = 1;
			break;
		}
		if (stops)
			break;
	}
	tot->ticks += tick;
	tot->sim_s += (double)tick * (double)period * 1e-9;
	tot->hits += p.sfs.hits;
	tot->misses += p.sfs.misses;
	if (ep < MAX_PATHS)
		tot->path[ep] = reached ? path : -1.0;
	if (reached)
		tot->ok++;
	else
		tot->fail++;
	if (stops)
		tot->safety++;
	if (!o->quiet) {
		struct spinal_state st;

		io->read_state(io, 0, &st);
		printf("pair %3ld: node %u (%.1f,%.1f) -> node %u (%.1f,%.1f): %s after %.1f s, %.2f m, end (%.2f,%.2f)%s\n",
		       ep, sid, (double)s->x, (double)s->y, gid, (double)gn->x, (double)gn->y,
		       reached ? "REACHED" : "failed", (double)tick * (double)period * 1e-9, path,
		       (double)st.x, (double)st.y, stops ? " SAFETY STOP" : "");
	}
	io->destroy(io);
	spinal_graph_free(g, 0);
	return 0;
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "map", required_argument, NULL, 'M' },
		{ "pairs", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "period-us", required_argument, NULL, 'p' },
		{ "max-sim-s", required_argument, NULL, 't' },
		{ "min-dist", required_argument, NULL, 'D' },
		{ "cache", required_argument, NULL, 'c' },
		{ "dump", required_argument, NULL, 'd' },
		{ "dump-every", required_argument, NULL, 'e' },
		{ "record", required_argument, NULL, 'R' },
		{ "dump-window", required_argument, NULL, 'w' },
		{ "explore", required_argument, NULL, 'x' },
		{ "require-rate", required_argument, NULL, 'r' },
		{ "goal-tol", required_argument, NULL, 'g' },
		{ "require-policy", required_argument, NULL, 'P' },
		{ "require-fallback-max", required_argument, NULL, 'F' },
		{ "require-clamp-max", required_argument, NULL, 'C' },
		{ "require-path-max", required_argument, NULL, 'L' },
		{ "require-no-safety-stop", no_argument, NULL, 'S' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "qh", lo, NULL)) != -1) {
		switch (c) {
		case 'm': o->model = optarg; break;
		case 'M': o->map = optarg; break;
		case 'n': o->pairs = atol(optarg); break;
		case 's': o->seed = strtoull(optarg, NULL, 0); break;
		case 'p': o->period_us = atol(optarg); break;
		case 't': o->max_sim_s = atof(optarg); break;
		case 'D': o->min_dist = atof(optarg); break;
		case 'c': o->cache = atoi(optarg); break;
		case 'd': o->dump = optarg; break;
		case 'e': o->dump_every = atol(optarg); break;
		case 'R': o->record = optarg; break;
		case 'w': o->dump_window = atol(optarg); break;
		case 'x': o->explore = atof(optarg); break;
		case 'r': o->require_rate = atof(optarg); break;
		case 'g': o->goal_tol = atof(optarg); break;
		case 'P': o->req_policy = atof(optarg); break;
		case 'F': o->req_fallback = atof(optarg); break;
		case 'C': o->req_clamp = atof(optarg); break;
		case 'L': o->req_path = atof(optarg); break;
		case 'S': o->req_no_stop = 1; break;
		case 'q': o->quiet = 1; break;
		case 'h': fputs(usage, stdout); exit(0);
		default: return -1;
		}
	}
	if (optind < argc || o->pairs < 1 || o->period_us < 10 || o->period_us > 1000000 ||
	    !(o->max_sim_s > 0) || o->dump_every < 1 || o->dump_window < 1 || o->explore < 0 ||
	    !(o->goal_tol > 0 && o->goal_tol < 10))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .model = "data/models/default.nir", .map = "builtin", .pairs = 50,
			  .period_us = 1000, .dump_every = 1, .dump_window = 1, .seed = 1, .max_sim_s = 120,
			  .min_dist = 4, .goal_tol = 0.25, .req_policy = -1, .req_fallback = -1,
			  .req_clamp = -1, .req_path = -1 };
	static struct totals tot, ref;
	struct spinal_gmodel *m;
	struct sps_plan *plan = NULL;
	FILE *dump = NULL;
	char err[256];
	double rate, ticks, path_ratio = NAN, sum_p = 0, sum_e = 0;
	long ep, both = 0;
	unsigned int i;
	int bad = 0;

	if (parse(argc, argv, &o)) {
		fputs("Try 'spinal-closedloop --help'.\n", stderr);
		return 2;
	}
	rng_state = o.seed;
	m = pw_map_load(o.map, err, sizeof(err));
	if (!m) {
		fprintf(stderr, "spinal-closedloop: %s\n", err);
		return 1;
	}
	if (strcmp(o.model, "none")) {
		plan = pw_model_load(o.model, (double)o.period_us * 1e-6, err, sizeof(err));
		if (!plan) {
			fprintf(stderr, "spinal-closedloop: cannot load model %s: %s\n", o.model, err);
			return 1;
		}
	}
	if (o.dump) {
		dump = fopen(o.dump, "w");
		if (!dump) {
			fprintf(stderr, "spinal-closedloop: cannot create %s: %s\n", o.dump,
				strerror(errno));
			return 1;
		}
	}
	if (o.record) {
		struct spinal_tlog_hdr h;

		rec_f = fopen(o.record, "w");
		if (!rec_f) {
			fprintf(stderr, "spinal-closedloop: cannot create %s: %s\n", o.record,
				strerror(errno));
			return 1;
		}
		memset(&h, 0, sizeof(h));
		h.magic = SPINAL_TLOG_MAGIC;
		h.version = SPINAL_TLOG_VERSION;
		h.hdr_size = sizeof(h);
		h.rec_size = sizeof(struct spinal_telem_rec);
		h.period_ns = (uint32_t)(o.period_us * 1000);
		snprintf(h.instance, sizeof(h.instance), "closedloop");
		fwrite(&h, sizeof(h), 1, rec_f);
	}
	for (ep = 0; ep < o.pairs; ep++)
		if (episode(&o, m, plan, ep, dump, &tot))
			return 1;
	if (plan) {
		/* the expert on the same pairs (same seed, no exploration) */
		struct opts eo = o;

		eo.explore = 0;
		eo.quiet = 1;
		rng_state = o.seed;
		rec_f = NULL;
		for (ep = 0; ep < o.pairs; ep++)
			if (episode(&eo, m, NULL, ep, NULL, &ref))
				return 1;
		for (ep = 0; ep < o.pairs && ep < MAX_PATHS; ep++)
			if (tot.path[ep] >= 0 && ref.path[ep] > 0) {
				sum_p += tot.path[ep];
				sum_e += ref.path[ep];
				both++;
			}
		if (both)
			path_ratio = sum_p / sum_e;
	}
	if (dump)
		fclose(dump);
	if (rec_f)
		fclose(rec_f);
	rate = (double)tot.ok / (double)o.pairs;
	printf("closed loop: %ld/%ld reached (%.1f%%), %ld with safety stops; policy %s; %.0f simulated s, %ld ticks\n",
	       tot.ok, o.pairs, 100.0 * rate, tot.safety, plan ? o.model : "follower (expert)",
	       tot.sim_s, tot.ticks);
	printf("aas interventions (ticks):");
	for (i = 0; i < SPINAL_AAS_COUNT; i++)
		if (tot.aas[i])
			printf(" %s=%llu", spinal_aas_reason_name(i), (unsigned long long)tot.aas[i]);
	printf("\nsfs cache: hits %llu misses %llu\n", (unsigned long long)tot.hits,
	       (unsigned long long)tot.misses);
	ticks = tot.ticks > 0 ? (double)tot.ticks : 1.0;
	printf("driven: policy %llu (%.2f%%), fallback %llu (%.2f%%) of %ld ticks; accel/jerk clamp on %llu (%.2f%%); goal tolerance %.2f m\n",
	       (unsigned long long)tot.driven_policy, 100.0 * (double)tot.driven_policy / ticks,
	       (unsigned long long)tot.driven_fallback, 100.0 * (double)tot.driven_fallback / ticks,
	       tot.ticks, (unsigned long long)tot.clamped, 100.0 * (double)tot.clamped / ticks,
	       o.goal_tol);
	if (plan)
		printf("path: %.3f x the expert's (mean over %ld pairs both reached; expert %ld/%ld reached)\n",
		       path_ratio, both, ref.ok, o.pairs);
	if (o.require_rate > 0 && rate < o.require_rate) {
		printf("FAIL: success rate %.3f < --require-rate %.3f\n", rate, o.require_rate);
		bad = 1;
	}
	if (o.req_policy >= 0 && (double)tot.driven_policy / ticks < o.req_policy) {
		printf("FAIL: the policy drove %.4f of the ticks < --require-policy %.4f\n",
		       (double)tot.driven_policy / ticks, o.req_policy);
		bad = 1;
	}
	if (o.req_fallback >= 0 && (double)tot.driven_fallback / ticks > o.req_fallback) {
		printf("FAIL: the fallback drove %.4f of the ticks > --require-fallback-max %.4f\n",
		       (double)tot.driven_fallback / ticks, o.req_fallback);
		bad = 1;
	}
	if (o.req_clamp >= 0 && (double)tot.clamped / ticks > o.req_clamp) {
		printf("FAIL: accel/jerk clamp on %.4f of the ticks > --require-clamp-max %.4f\n",
		       (double)tot.clamped / ticks, o.req_clamp);
		bad = 1;
	}
	if (o.req_path >= 0 && (!plan || !(path_ratio <= o.req_path))) {
		printf("FAIL: path %.3f x the expert's > --require-path-max %.3f%s\n", path_ratio,
		       o.req_path, plan ? "" : " (no model: nothing to compare)");
		bad = 1;
	}
	if (o.req_no_stop && tot.safety) {
		printf("FAIL: %ld pairs ended in a safety stop (--require-no-safety-stop)\n",
		       tot.safety);
		bad = 1;
	}
	sps_plan_destroy(plan);
	spinal_gm_destroy(m);
	return bad;
}
