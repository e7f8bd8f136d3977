// SPDX-License-Identifier: MIT
/* spinal-agent: entry point and subcommand dispatch (run, export, stat, ctl). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "userspace/agent.h"
#include "userspace/config.h"
#include "userspace/ctl.h"
#include "userspace/logread.h"
#include "userspace/privdrop.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: spinal-agent [run] [OPTIONS]\n"
"       spinal-agent export [-o FILE.csv] LOG|DIR...\n"
"       spinal-agent stat [--json] LOG|DIR...\n"
"       spinal-agent ctl [--listen ADDR:PORT] COMMAND [ARGS]   (see: spinal-agent ctl --help)\n"
"\n"
"The unprivileged half of spinal.  It waits for spinal-core instance NAME,\n"
"drains its telemetry ring into a durable binary log (batched: one write per\n"
"batch; ring slots are released only after the batch is written, so a crash\n"
"of the agent loses nothing still in the ring), accounts for every record by\n"
"sequence number (gaps are written into the log as markers with their count),\n"
"serves Prometheus /metrics and a JSON control API, and watches the core\n"
"(pidfd + heartbeat): when the core dies or stalls it raises the safe-stop\n"
"flag that I/O drivers honour.  When the core restarts it re-attaches.\n"
"\n"
"run options:\n"
"  -n, --name NAME         instance to serve (default %s)\n"
"  -d, --log-dir DIR       telemetry log directory (default %s)\n"
"  -N, --flush-records N   write a batch every N records (default 1024)\n"
"  -T, --flush-ms T        ... or every T ms, whichever comes first (default 200)\n"
"      --rotate-size SIZE  start a new log file past SIZE bytes (k/M/G; 0 never; default 64M)\n"
"      --keep-files N      keep at most N log files of this instance (0 all; default 64)\n"
"      --fsync POLICY      none | rotate (fsync on rotation and exit, default) | batch\n"
"  -l, --listen ADDR:PORT  HTTP listener for the console (/), /metrics and the API\n"
"                          (default %s; 'off')\n"
"  -u, --user USER         when started as root: create the log dir, give it to USER,\n"
"                          drop to USER (default %s, fallback nobody) before touching\n"
"                          shared memory\n"
"      --stall-periods K   heartbeat older than K core periods is a stall (default 50)\n"
"      --stall-min-ms MS   ... but never less than MS (default 20)\n"
"  -g, --graph FILE.json   map (docs/abi-config.md, userspace/graph_json.h) sent\n"
"                          to the core after every (re-)attach; a file the core\n"
"                          would refuse stops the agent at start with file:line\n"
"  -m, --model FILE.nir    SNN policy (NIR, HDF5) imported with dt = the core's\n"
"                          period and sent after every (re-)attach\n"
"      --model-dt S        discretise the model with S seconds instead (the step\n"
"                          it was trained with; docs/model.md)\n"
"      --goal-node ID      goal sent after the graph (default: the graph's own\n"
"                          \"goal\"); must be a node of --graph\n"
"  -c, --config FILE       INI config ([agent] as these options: graph, model,\n"
"                          model_dt, ...; [core] tunables, sent as a parameter set);\n"
"                          SIGHUP reloads it; options given here win over the file\n"
"      --socket PATH       attach through spinal-core's handoff socket (core run\n"
"                          with --socket PATH): sealed memfd regions, read-only\n"
"                          where the agent only reads; default: /dev/shm names\n"
"      --web-dir DIR       the live console's files, served at / (default %s;\n"
"                          docs/console.md); missing: / answers 404 with why\n"
"      --console-hz N      console stream frames per second, 1..30 (default 25)\n"
"      --console-streams N open console streams (all clients, 1..24; default 16;\n"
"                          at most 4 from one client address)\n"
"      --exit-with-core    exit (status 0) once the core has stopped and all its\n"
"                          telemetry is in the log\n"
"  -h, --help              this text\n"
"\n"
"signals: SIGINT/SIGTERM flush the last batch and exit; SIGHUP reloads --config\n"
"(changed graph/model files and [core] tunables are sent to the core at once).\n"
"\n"
"control API (POST, JSON; spinal-agent ctl): /goal {x,y} (nearest node of the\n"
"graph this agent sent) or {node}, /estop, /estop/clear, /graph (a graph\n"
"document or {\"path\": FILE}), /model {\"path\": FILE, \"dt\": S}, /params.\n"
"200: the core accepted the message; 202: sent, not yet handled; 422/501: the\n"
"core (or the agent, first) rejected it, with the reason; 503: no core.\n"
"A kernel watchdog (/dev/spinal_wd, spinal_wd.ko) is supervised when present:\n"
"a trip raises the same safe stop as the agent's own watchdog.\n"
"\n"
"export writes every log entry (tick records and gap markers) as CSV on stdout\n"
"or FILE.  stat summarises logs: records, gap markers, missing, first/last seq,\n"
"overlaps and unmarked holes (both 0 in a healthy log); --json for one object.\n"
"\n"
"exit status: 0 clean stop, 1 runtime error, 2 usage, refused ABI or setup error.\n"
"Log format and operations: docs/agent.md; metric names: docs/metrics.md.\n",
		SPINAL_DEFAULT_INSTANCE, AGENT_DEFAULT_LOG_DIR, AGENT_DEFAULT_LISTEN,
		AGENT_DEFAULT_USER, AGENT_DEFAULT_WEB_DIR);
}

static void on_stop(int sig)
{
	(void)sig;
	agent_stop = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	agent_reload = 1;
}

static int parse_u32_arg(const char *opt, const char *s, uint32_t lo, uint32_t hi,
			 uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (end == s || *end || errno || *s == '-' || v < lo || v > hi) {
		fprintf(stderr, "spinal-agent: %s '%s' must be an integer in %u..%u\n", opt, s, lo, hi);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

enum { OPT_ROTATE = 256, OPT_KEEP, OPT_FSYNC, OPT_STALL, OPT_STALL_MIN, OPT_EXIT, OPT_MODEL_DT, OPT_GOAL,
       OPT_SOCKET, OPT_WEB_DIR, OPT_CONSOLE_HZ, OPT_CONSOLE_STREAMS };

static int cmd_run(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "log-dir", required_argument, NULL, 'd' },
		{ "flush-records", required_argument, NULL, 'N' },
		{ "flush-ms", required_argument, NULL, 'T' },
		{ "rotate-size", required_argument, NULL, OPT_ROTATE },
		{ "keep-files", required_argument, NULL, OPT_KEEP },
		{ "fsync", required_argument, NULL, OPT_FSYNC },
		{ "listen", required_argument, NULL, 'l' },
		{ "user", required_argument, NULL, 'u' },
		{ "stall-periods", required_argument, NULL, OPT_STALL },
		{ "stall-min-ms", required_argument, NULL, OPT_STALL_MIN },
		{ "config", required_argument, NULL, 'c' },
		{ "exit-with-core", no_argument, NULL, OPT_EXIT },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "web-dir", required_argument, NULL, OPT_WEB_DIR },
		{ "console-hz", required_argument, NULL, OPT_CONSOLE_HZ },
		{ "console-streams", required_argument, NULL, OPT_CONSOLE_STREAMS },
		{ "graph", required_argument, NULL, 'g' },
		{ "model", required_argument, NULL, 'm' },
		{ "model-dt", required_argument, NULL, OPT_MODEL_DT },
		{ "goal-node", required_argument, NULL, OPT_GOAL },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct agent ag;
	struct agent_opts cli;
	struct sigaction sa;
	char err[2048], warn[512];
	const char *config = NULL;
	uint32_t pinned = 0;
	int c, rc;

	/* first: a SIGTERM during start-up must still mean "stop cleanly" */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	agent_opts_defaults(&cli);
	optind = 1;
	while ((c = getopt_long(argc, argv, "n:d:N:T:l:u:c:g:m:h", lo, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (!spinal_instance_valid(optarg)) {
				fprintf(stderr, "spinal-agent: --name '%s': use 1-31 of [A-Za-z0-9_-]\n", optarg);
				return 2;
			}
			snprintf(cli.name, sizeof(cli.name), "%s", optarg);
			pinned |= AO_NAME;
			break;
		case 'd':
			if (strlen(optarg) >= sizeof(cli.log_dir)) {
				fprintf(stderr, "spinal-agent: --log-dir too long\n");
				return 2;
			}
			snprintf(cli.log_dir, sizeof(cli.log_dir), "%s", optarg);
			pinned |= AO_LOG_DIR;
			break;
		case 'N':
			if (parse_u32_arg("--flush-records", optarg, 1, 1u << 20, &cli.flush_records))
				return 2;
			pinned |= AO_FLUSH_RECORDS;
			break;
		case 'T':
			if (parse_u32_arg("--flush-ms", optarg, 1, 60000, &cli.flush_ms))
				return 2;
			pinned |= AO_FLUSH_MS;
			break;
		case OPT_ROTATE:
			if (config_parse_size(optarg, &cli.rotate_bytes) ||
			    (cli.rotate_bytes && cli.rotate_bytes < (64u << 10))) {
				fprintf(stderr, "spinal-agent: --rotate-size '%s': 0 or >= 64k, e.g. 64M\n", optarg);
				return 2;
			}
			pinned |= AO_ROTATE;
			break;
		case OPT_KEEP:
			if (parse_u32_arg("--keep-files", optarg, 0, 1000000, &cli.keep_files))
				return 2;
			pinned |= AO_KEEP;
			break;
		case OPT_FSYNC:
			cli.fsync_mode = tlog_fsync_parse(optarg);
			if (cli.fsync_mode < 0) {
				fprintf(stderr, "spinal-agent: --fsync '%s': none, rotate or batch\n", optarg);
				return 2;
			}
			pinned |= AO_FSYNC;
			break;
		case 'l':
			snprintf(cli.listen, sizeof(cli.listen), "%s", optarg);
			pinned |= AO_LISTEN;
			break;
		case 'u':
			snprintf(cli.user, sizeof(cli.user), "%s", optarg);
			pinned |= AO_USER;
			break;
		case OPT_STALL:
			if (parse_u32_arg("--stall-periods", optarg, 2, 1000000, &cli.stall_periods))
				return 2;
			pinned |= AO_STALL;
			break;
		case OPT_STALL_MIN:
			if (parse_u32_arg("--stall-min-ms", optarg, 1, 600000, &cli.stall_min_ms))
				return 2;
			pinned |= AO_STALL;
			break;
		case 'c':
			config = optarg;
			break;
		case 'g':
		case 'm':
			if (!optarg[0] || strlen(optarg) >= sizeof(cli.graph)) {
				fprintf(stderr, "spinal-agent: --%s: empty or too long path\n",
					c == 'g' ? "graph" : "model");
				return 2;
			}
			snprintf(c == 'g' ? cli.graph : cli.model, sizeof(cli.graph), "%s", optarg);
			pinned |= c == 'g' ? AO_GRAPH : AO_MODEL;
			break;
		case OPT_MODEL_DT: {
			char *end;

			cli.model_dt = strtod(optarg, &end);
			if (end == optarg || *end || !(cli.model_dt > 0 && cli.model_dt <= 1)) {
				fprintf(stderr, "spinal-agent: --model-dt '%s': seconds in (0, 1], e.g. 0.001\n",
					optarg);
				return 2;
			}
			pinned |= AO_MODEL_DT;
			break;
		}
		case OPT_GOAL: {
			uint32_t g;

			if (parse_u32_arg("--goal-node", optarg, 0, SPINAL_NODE_ID_MAX, &g))
				return 2;
			cli.goal_node = g;
			pinned |= AO_GOAL;
			break;
		}
		case OPT_SOCKET:
			if (strlen(optarg) >= sizeof(cli.socket)) {
				fprintf(stderr, "spinal-agent: --socket path too long\n");
				return 2;
			}
			snprintf(cli.socket, sizeof(cli.socket), "%s", optarg);
			break;
		case OPT_WEB_DIR:
			if (!optarg[0] || strlen(optarg) >= sizeof(cli.web_dir)) {
				fprintf(stderr, "spinal-agent: --web-dir: empty or too long path\n");
				return 2;
			}
			snprintf(cli.web_dir, sizeof(cli.web_dir), "%s", optarg);
			break;
		case OPT_CONSOLE_HZ:
			if (parse_u32_arg("--console-hz", optarg, 1, 30, &cli.console_hz))
				return 2;
			break;
		case OPT_CONSOLE_STREAMS:
			if (parse_u32_arg("--console-streams", optarg, 1, 24, &cli.console_streams))
				return 2;
			break;
		case OPT_EXIT:
			cli.exit_with_core = 1;
			pinned |= AO_EXIT;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "spinal-agent: unexpected argument '%s' (see --help)\n", argv[optind]);
		return 2;
	}
	ag.opt = cli;
	ag.pinned = pinned;
	cfglink_init(&ag.cfg);
	if (config) {
		snprintf(ag.opt.config, sizeof(ag.opt.config), "%s", config);
		rc = config_load(config, &ag.opt, &ag.tun, pinned, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "spinal-agent: config rejected: %s\n", err);
			return 2;
		}
	}
	rc = privdrop(ag.opt.user, ag.opt.log_dir, err, sizeof(err), warn, sizeof(warn));
	if (warn[0])
		agent_log(&ag, "warning: %s", warn);
	if (rc) {
		agent_log(&ag, "%s", err);
		return 2;
	}
	if (access(ag.opt.log_dir, W_OK) < 0) {
		agent_log(&ag, "cannot write to log directory %s: %s; fix its owner or pick --log-dir",
			  ag.opt.log_dir, strerror(errno));
		return 2;
	}
	/* after dropping privileges: the files must be readable by the agent's user */
	if (agent_load_files(&ag, ag.opt.graph, ag.opt.model, ag.opt.model_dt,
			     ag.opt.goal_node, err, sizeof(err))) {
		agent_log(&ag, "refusing to start, nothing sent: %s", err);
		return 2;
	}
	if (ag.tun.set) {
		float v[SPINAL_PARAM_COUNT];

		config_tunables_values(&ag.tun, v);
		cfglink_set_params(&ag.cfg, v);
	}
	rc = agent_run(&ag);
	cfglink_fini(&ag.cfg);
	return rc;
}

static int cmd_export(int argc, char **argv)
{
	const char *outp = NULL;
	FILE *out = stdout;
	int c, rc;

	optind = 1;
	while ((c = getopt(argc, argv, "o:h")) != -1) {
		if (c == 'o') {
			outp = optarg;
		} else {
			fprintf(c == 'h' ? stdout : stderr,
				"usage: spinal-agent export [-o FILE.csv] LOG|DIR...\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: spinal-agent export [-o FILE.csv] LOG|DIR...\n");
		return 2;
	}
	if (outp && !(out = fopen(outp, "w"))) {
		fprintf(stderr, "spinal-agent: cannot create %s: %s\n", outp, strerror(errno));
		return 1;
	}
	rc = logread_export_csv(argv + optind, argc - optind, out, stderr);
	if (out != stdout && fclose(out))
		rc = -errno;
	if (rc) {
		fprintf(stderr, "spinal-agent: export failed: %s\n", strerror(-rc));
		return 1;
	}
	return 0;
}

static int cmd_stat(int argc, char **argv)
{
	struct logstat st;
	int c, json = 0, rc;
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", lo, NULL)) != -1) {
		if (c == 'j') {
			json = 1;
		} else {
			fprintf(c == 'h' ? stdout : stderr, "usage: spinal-agent stat [--json] LOG|DIR...\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: spinal-agent stat [--json] LOG|DIR...\n");
		return 2;
	}
	rc = logread_stat(argv + optind, argc - optind, &st, stderr);
	if (rc) {
		fprintf(stderr, "spinal-agent: stat failed: %s\n", strerror(-rc));
		return 1;
	}
	if (json) {
		logread_stat_json(&st, stdout);
	} else {
		printf("files %llu (bad %llu), core runs %llu\n", (unsigned long long)st.files,
		       (unsigned long long)st.bad_files, (unsigned long long)st.runs);
		printf("records %llu, gap markers %llu, missing %llu\n",
		       (unsigned long long)st.records, (unsigned long long)st.gap_markers,
		       (unsigned long long)st.missing);
		printf("seq %llu..%llu (last run), overlaps %llu, unmarked holes %llu (%llu seq)\n",
		       (unsigned long long)st.first_seq, (unsigned long long)st.last_seq,
		       (unsigned long long)st.overlaps, (unsigned long long)st.holes,
		       (unsigned long long)st.holes_missing);
	}
	return st.files ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc >= 2) {
		if (!strcmp(argv[1], "run"))
			return cmd_run(argc - 1, argv + 1);
		if (!strcmp(argv[1], "export"))
			return cmd_export(argc - 1, argv + 1);
		if (!strcmp(argv[1], "stat"))
			return cmd_stat(argc - 1, argv + 1);
		if (!strcmp(argv[1], "ctl"))
			return ctl_main(argc - 1, argv + 1);
	}
	return cmd_run(argc, argv);
}
