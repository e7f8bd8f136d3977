// SPDX-License-Identifier: MIT
/*
 * spinal-replay: run a recorded telemetry log back through the same
 * SFS/SPS/AAS code (rtcore/pipeline.c) offline and check that every command
 * is reproduced bit for bit.  Inputs taken from each record: the state
 * sample, the read time (t_planned_ns + lateness_ns), the goal node, the
 * e-stop and safe-stop inputs (flags); the graph comes from --map with the
 * recorded goal, the model from --model (its id must match the log's).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spinal/io_shm.h>
#include <spinal/telemlog.h>

#include "rtcore/graph.h"
#include "rtcore/options.h"
#include "rtcore/pipeline.h"
#include "rtcore/sps.h"
#include "tools/pipe_world.h"

static const char usage[] =
"Usage: spinal-replay LOG [--model FILE|none] [--map SPEC] [--cache 0|1]\n"
"                         [--core-defaults | --fallback-only]\n"
"Replay a spinal telemetry log (spinal-agent's .tlog, or spinal-closedloop\n"
"--record) through the control pipeline offline and compare every command,\n"
"policy output and AAS decision with the log, bit for bit.\n"
"\n"
"  --model FILE   the NIR model the run used (default data/models/default.nir);\n"
"                 'none' for a run without a model.  Its id must match.\n"
"  --map SPEC     the map the run used ('builtin' default, a map file, or the\n"
"                 agent's JSON map, e.g. data/maps/floor.json)\n"
"  --core-defaults  the log comes from spinal-core run with its default options\n"
"                 (limits, goal tolerance, stale age, no model = no motion); the\n"
"                 model is switched where the log shows the core adopted it\n"
"  --fallback-only  the same, for a core run with --fallback-only\n"
"  --cache 0|1    SFS feature cache setting of the run (default 0)\n"
"  -q             print only the verdict\n"
"\n"
"Exit status: 0 all ticks reproduced; 1 divergence (the first differing tick\n"
"and field are printed) or an unusable log (gap, model id mismatch); 2 usage.\n";

static int same_bits(float a, float b)
{
	return memcmp(&a, &b, sizeof(a)) == 0;
}

int main(int argc, char **argv)
{
	const char *model = "data/models/default.nir", *map = "builtin";
	struct spinal_tlog_hdr h;
	struct spinal_telem_rec r;
	struct spinal_gmodel *m;
	struct spinal_graph *g = NULL;
	struct sps_plan *plan = NULL;
	struct pipeline p;
	struct pipeline_cfg pc;
	int cache = 0, quiet = 0, core_run = 0, fallback_only = 0, c, rc = 0;
	uint64_t file_model_id;
	int32_t goal = -2;
	uint64_t n = 0, expect_seq = 0;
	char err[256];
	FILE *f;

	static const struct option lo[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "map", required_argument, NULL, 'M' },
		{ "cache", required_argument, NULL, 'c' },
		{ "core-defaults", no_argument, NULL, 'C' },
		{ "fallback-only", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	while ((c = getopt_long(argc, argv, "qh", lo, NULL)) != -1) {
		switch (c) {
		case 'm': model = optarg; break;
		case 'M': map = optarg; break;
		case 'c': cache = atoi(optarg); break;
		case 'C': core_run = 1; break;
		case 'F': core_run = 1; fallback_only = 1; break;
		case 'q': quiet = 1; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs("Try 'spinal-replay --help'.\n", stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		fputs(usage, stderr);
		return 2;
	}
	f = fopen(argv[optind], "r");
	if (!f || fread(&h, sizeof(h), 1, f) != 1 || h.magic != SPINAL_TLOG_MAGIC ||
	    h.rec_size != sizeof(r) || !h.period_ns) {
		fprintf(stderr, "spinal-replay: %s is not a spinal telemetry log (%s)\n",
			argv[optind], f ? "bad header" : strerror(errno));
		return 1;
	}
	m = pw_map_load(map, err, sizeof(err));
	if (!m) {
		fprintf(stderr, "spinal-replay: %s\n", err);
		return 1;
	}
	if (strcmp(model, "none")) {
		plan = pw_model_load(model, (double)h.period_ns * 1e-9, err, sizeof(err));
		if (!plan) {
			fprintf(stderr, "spinal-replay: cannot load model %s: %s\n", model, err);
			return 1;
		}
	}
	if (core_run) {
		/* the configuration spinal-core runs with its default options */
		struct core_opts o;

		core_opts_defaults(&o);
		o.period_us = (long)(h.period_ns / 1000u);
		o.fallback_only = fallback_only;
		core_pipeline_cfg(&o, &pc);
	} else {
		pw_pipeline_cfg(&pc, h.period_ns);
	}
	pipeline_init(&p, &pc);
	p.sfs.cfg.cache = cache;
	if (pipeline_set_model(&p, plan, err, sizeof(err))) {
		fprintf(stderr, "spinal-replay: %s\n", err);
		return 1;
	}
	file_model_id = p.model_id;
	while (fread(&r, sizeof(r), 1, f) == 1) {
		struct tick t;
		const char *what = NULL;

		if (r.kind != SPINAL_REC_TICK || r.seq != expect_seq) {
			fprintf(stderr, "spinal-replay: records missing at seq %llu: the network state cannot be rebuilt past a gap; replayed %llu ticks\n",
				(unsigned long long)expect_seq, (unsigned long long)n);
			rc = 1;
			break;
		}
		expect_seq++;
		if (r.model_id != p.model_id && core_run && plan &&
		    (r.model_id == 0 || r.model_id == file_model_id)) {
			/* the core adopted (or had not yet got) a model at this tick: reset, as it does */
			pipeline_set_model(&p, r.model_id ? plan : NULL, err, sizeof(err));
		}
		if (r.model_id != p.model_id) {
			fprintf(stderr, "spinal-replay: tick %llu used model id %016llx, --model %s has %016llx; pass the model the run used\n",
				(unsigned long long)r.seq, (unsigned long long)r.model_id, model,
				(unsigned long long)p.model_id);
			rc = 1;
			break;
		}
		if (r.goal_node != goal) {
			spinal_graph_free(g, 0);
			g = pw_snapshot(m, r.goal_node < 0 ? SPINAL_NODE_NONE : (uint32_t)r.goal_node,
					r.graph_gen);
			if (!g) {
				fprintf(stderr, "spinal-replay: goal node %d is not on map %s\n",
					r.goal_node, map);
				rc = 1;
				break;
			}
			p.graph = g;
			goal = r.goal_node;
		}
		memset(&t, 0, sizeof(t));
		t.st.seq = r.state_seq;
		t.st.stamp_ns = r.state_stamp_ns;
		t.st.read_ns = r.t_planned_ns + (uint64_t)r.lateness_ns;
		t.st.x = r.x, t.st.y = r.y, t.st.theta = r.theta;
		t.st.v = r.v, t.st.omega = r.omega;
		t.st.faults = (r.reserved[PIPE_REC_INPUTS] >> PIPE_REC_FAULT_SHIFT) & SPINAL_IO_SF_FAULTS;
		p.estop = !!(r.flags & SPINAL_TF_ESTOP);
		p.safe_stop = r.flags & SPINAL_TF_SAFE_STOP ? SPINAL_SAFE_STOP_OVERRUN : 0;
		pipeline_tick(&p, &t);
		if (!same_bits(t.pol_v, r.pol_v) || !same_bits(t.pol_w, r.pol_omega))
			what = "policy output";
		else if (!same_bits(t.conf, r.confidence))
			what = "confidence";
		else if (t.aas_mask != r.aas_mask)
			what = "AAS decision";
		else if (!same_bits(t.cmd.v, r.cmd_v) || !same_bits(t.cmd.omega, r.cmd_omega))
			what = "command";
		if (what) {
			printf("DIVERGED at tick %llu (%s): log cmd (%.9g, %.9g) pol (%.9g, %.9g) aas 0x%x; replay cmd (%.9g, %.9g) pol (%.9g, %.9g) aas 0x%x\n",
			       (unsigned long long)r.seq, what, (double)r.cmd_v, (double)r.cmd_omega,
			       (double)r.pol_v, (double)r.pol_omega, r.aas_mask, (double)t.cmd.v,
			       (double)t.cmd.omega, (double)t.pol_v, (double)t.pol_w, t.aas_mask);
			rc = 1;
			break;
		}
		n++;
	}
	if (!rc)
		printf("replay: %llu ticks reproduced bit for bit (model %016llx, map %s)\n",
		       (unsigned long long)n, (unsigned long long)p.model_id, map);
	else if (!quiet)
		printf("replay: %llu ticks matched before the first difference\n",
		       (unsigned long long)n);
	fclose(f);
	spinal_graph_free(g, 0);
	sps_plan_destroy(plan);
	spinal_gm_destroy(m);
	return rc;
}
