// SPDX-License-Identifier: MIT
/*
 * spinal-trace-helper - the privileged half of late-tick tracing
 * (docs/incident.md): creates or removes the tracefs instance spinal-NAME
 * that spinal-core then only reads.  Meant for the unit's
 * ExecStartPre=+ / ExecStopPost=+ (full privileges, while the core itself
 * runs with ProtectKernelTunables= and no capabilities after setup).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spinal/shm.h>

#include "rtcore/trace.h"

static int usage(FILE *f)
{
	fprintf(f, "usage: spinal-trace-helper setup NAME CPU [BUF_KB]   create spinal-NAME (default 512 KiB on CPU)\n"
		   "       spinal-trace-helper remove NAME             tracing off, rmdir the instance\n"
		   "       spinal-trace-helper --version\n"
		   "tracefs: /sys/kernel/tracing (or the debugfs path); see docs/incident.md\n");
	return f == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
	const char *tfs = trace_tracefs_path();
	char err[512] = "";
	int rc;

	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("spinal-trace-helper (spinal)\n");
		return 0;
	}
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		return usage(stdout);
	if (argc < 3 || !spinal_instance_valid(argv[2]))
		return usage(stderr);
	if (strcmp(argv[1], "setup") == 0 && (argc == 4 || argc == 5)) {
		rc = trace_instance_setup(tfs, argv[2], atoi(argv[3]),
					  argc == 5 ? (unsigned int)atoi(argv[4]) : 512u, err, sizeof(err));
	} else if (strcmp(argv[1], "remove") == 0 && argc == 3) {
		rc = trace_instance_remove(tfs, argv[2], err, sizeof(err));
	} else {
		return usage(stderr);
	}
	if (rc) {
		fprintf(stderr, "spinal-trace-helper: %s\n", err);
		return 1;
	}
	return 0;
}
