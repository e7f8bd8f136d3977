// SPDX-License-Identifier: MIT
/* spinal-audit hist: a running core's stage histograms as cyclictest histfile / JSON. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <spinal/shm.h>

#include "lib/histexport.h"
#include "tools/audit.h"

static const char hist_usage[] =
"Usage: spinal-audit hist [--name NAME] [--window S] [--format histfile|json]\n"
"                         [--rows US] [--stages LIST] [-o FILE]\n"
"\n"
"Writes the latency histograms of a running spinal-core, one column (cyclictest\n"
"\"thread\") per stage, in cyclictest's --histfile format (default) or its --json\n"
"layout, so plotting scripts made for cyclictest work on spinal's data.  The\n"
"histfile carries spinal's exact buckets as '#' comment lines; the JSON carries\n"
"them in a \"spinal\" object per thread.  Rows are 1 us wide; spinal buckets above\n"
"100 us are 10 us wide and land on the row of their lower edge.\n"
"\n"
"  -n, --name NAME       instance (default \"" SPINAL_DEFAULT_INSTANCE "\")\n"
"  -w, --window S        histograms of the next S seconds only (default: since start)\n"
"  -f, --format F        histfile (default) or json\n"
"  -r, --rows US         rows (= overflow limit) in microseconds, default 1000\n"
"  -s, --stages LIST     comma list of wake,sfs,sps,aas,vi (default: all)\n"
"  -o, --output FILE     write to FILE instead of stdout\n"
"\n"
"Exit status: 0 written, 2 no such core or bad option.\n";

static int parse_stages(const char *list, unsigned int *idx, unsigned int *n)
{
	char buf[128], *save = NULL, *tok;
	unsigned int s;

	snprintf(buf, sizeof(buf), "%s", list);
	*n = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (s = 0; s < SPINAL_STAGE_COUNT; s++)
			if (!strcmp(tok, spinal_stage_name(s)))
				break;
		if (s == SPINAL_STAGE_COUNT || *n >= SPINAL_STAGE_COUNT)
			return -1;
		idx[(*n)++] = s;
	}
	return *n ? 0 : -1;
}

int audit_hist_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "window", required_argument, NULL, 'w' },
		{ "format", required_argument, NULL, 'f' },
		{ "rows", required_argument, NULL, 'r' },
		{ "stages", required_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct spinal_hist_snap before[SPINAL_STAGE_COUNT], after[SPINAL_STAGE_COUNT];
	struct spinal_hist_snap out[SPINAL_STAGE_COUNT];
	const char *names[SPINAL_STAGE_COUNT];
	unsigned int idx[SPINAL_STAGE_COUNT], n = SPINAL_STAGE_COUNT, i;
	const char *name = SPINAL_DEFAULT_INSTANCE, *path = NULL;
	struct audit_core_map m;
	double window = 0;
	long rows = SPINAL_HISTEXPORT_DEFAULT_ROWS;
	int ch, json = 0, rc;
	char err[256], *end;
	FILE *f = stdout;

	for (i = 0; i < SPINAL_STAGE_COUNT; i++)
		idx[i] = i;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "n:w:f:r:s:o:h", lo, NULL)) != -1) {
		switch (ch) {
		case 'n':
			name = optarg;
			break;
		case 'w':
			window = strtod(optarg, &end);
			if (*end || !(window > 0)) {
				fprintf(stderr, "spinal-audit hist: --window '%s': expected seconds > 0\n", optarg);
				return 2;
			}
			break;
		case 'f':
			if (!strcmp(optarg, "json")) {
				json = 1;
			} else if (strcmp(optarg, "histfile")) {
				fprintf(stderr, "spinal-audit hist: --format '%s': use histfile or json\n", optarg);
				return 2;
			}
			break;
		case 'r':
			rows = strtol(optarg, &end, 10);
			if (*end || rows < 1 || rows > SPINAL_HISTEXPORT_MAX_ROWS) {
				fprintf(stderr, "spinal-audit hist: --rows '%s': expected 1..%d\n", optarg,
					SPINAL_HISTEXPORT_MAX_ROWS);
				return 2;
			}
			break;
		case 's':
			if (parse_stages(optarg, idx, &n)) {
				fprintf(stderr, "spinal-audit hist: --stages '%s': use names from wake,sfs,sps,aas,vi\n",
					optarg);
				return 2;
			}
			break;
		case 'o':
			path = optarg;
			break;
		case 'h':
			fputs(hist_usage, stdout);
			return 0;
		default:
			fputs(hist_usage, stderr);
			return 2;
		}
	}
	if (audit_attach(name, &m, err, sizeof(err))) {
		fprintf(stderr, "spinal-audit hist: %s\n", err);
		return 2;
	}
	audit_snap_stages(&m, before);
	if (window > 0) {
		struct timespec ts = { (time_t)window, (long)((window - (double)(time_t)window) * 1e9) };

		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
		audit_snap_stages(&m, after);
		for (i = 0; i < SPINAL_STAGE_COUNT; i++)
			spinal_hist_diff(&after[i], &before[i], &before[i]);
	}
	audit_detach(&m);
	for (i = 0; i < n; i++) {
		out[i] = before[idx[i]];
		names[i] = spinal_stage_name(idx[i]);
	}
	if (path) {
		f = fopen(path, "w");
		if (!f) {
			fprintf(stderr, "spinal-audit hist: cannot write %s: %s\n", path, strerror(errno));
			return 2;
		}
	}
	rc = json ? spinal_histjson_write(f, out, names, n, (unsigned int)rows, 0)
		  : spinal_histfile_write(f, out, names, n, (unsigned int)rows, SPINAL_HISTEXPORT_NATIVE);
	if (path && fclose(f) && !rc)
		rc = -EIO;
	if (rc) {
		fprintf(stderr, "spinal-audit hist: writing %s failed: %s\n", path ? path : "stdout",
			strerror(-rc));
		return 2;
	}
	return 0;
}
