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
"  --dump FILE        write features and the expert command per tick: binary,\n"
"                     int32 column count C, then rows of C float32: episode,\n"
"                     tick, the SFS features, expert v, expert omega\n"
"  --dump-every N, --dump-window W\n"
"                     dump ticks with tick % N < W (default 1, 1: all)\n"
"  --explore P        with --model none: perturb the executed command with\n"
"                     probability P per second (labels stay the expert's)\n"
"  --record FILE      write the first pair's run as a telemetry log\n"
"                     (include/spinal/telemlog.h) for spinal-replay\n"
"  --require-rate R   exit 1 if the success rate is below R (0..1)\n"
"  -q, --quiet        summary only\n"
"  -h, --help         this text\n"
"\n"
"A run counts as a success when AAS reports goal reached before the time\n"
"limit with no safety stop (stale, e-stop, NaN, no policy, overrun).\n"
"Exit status: 0 ok, 1 rate below --require-rate or a setup error, 2 usage.\n";

struct opts {
	const char *model, *map, *dump, *record;
	long pairs, period_us, dump_every, dump_window;
	unsigned long long seed;
	double max_sim_s, min_dist, explore, require_rate;
	int cache, quiet;
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

struct totals {
	long ok, fail, safety, ticks;
	uint64_t aas[SPINAL_AAS_COUNT];
	uint64_t hits, misses;
	double sim_s;
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
		pipeline_tick(&p, &t);
		stops |= t.aas_mask & SAFETY_STOPS;
		for (i = 0; i < SPINAL_AAS_COUNT; i++)
			if (t.aas_mask & (1u << i))
				tot->aas[i]++;
		if (dump && tick % o->dump_every < o->dump_window &&
		    !(t.aas_mask & (1u << SPINAL_AAS_GOAL_REACHED))) {
			float row[SFS_MAX_FEATURES + 4];

			row[0] = (float)ep;
			row[1] = (float)tick;
			memcpy(&row[2], t.sf.f, t.sf.n * sizeof(float));
			row[2 + t.sf.n] = t.fb_v;
			row[3 + t.sf.n] = t.fb_w;
			if (!dump_cols) {
				dump_cols = (int32_t)t.sf.n + 4;
				fwrite(&dump_cols, sizeof(dump_cols), 1, dump);
			}
			fwrite(row, sizeof(float), t.sf.n + 4, dump);
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
	if (reached)
		tot->ok++;
	else
		tot->fail++;
	if (stops)
		tot->safety++;
	if (!o->quiet) {
		struct spinal_state st;

		io->read_state(io, 0, &st);
		printf("pair %3ld: node %u (%.1f,%.1f) -> node %u (%.1f,%.1f): %s after %.1f s, end (%.2f,%.2f)%s\n",
		       ep, sid, (double)s->x, (double)s->y, gid, (double)gn->x, (double)gn->y,
		       reached ? "REACHED" : "failed", (double)tick * (double)period * 1e-9,
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
		case 'q': o->quiet = 1; break;
		case 'h': fputs(usage, stdout); exit(0);
		default: return -1;
		}
	}
	if (optind < argc || o->pairs < 1 || o->period_us < 10 || o->period_us > 1000000 ||
	    !(o->max_sim_s > 0) || o->dump_every < 1 || o->dump_window < 1 || o->explore < 0)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .model = "data/models/default.nir", .map = "builtin", .pairs = 50,
			  .period_us = 1000, .dump_every = 1, .dump_window = 1, .seed = 1, .max_sim_s = 120,
			  .min_dist = 4 };
	struct totals tot = { 0 };
	struct spinal_gmodel *m;
	struct sps_plan *plan = NULL;
	FILE *dump = NULL;
	char err[256];
	double rate;
	long ep;
	unsigned int i;

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
	sps_plan_destroy(plan);
	spinal_gm_destroy(m);
	return rate < o.require_rate ? 1 : 0;
}
