// SPDX-License-Identifier: MIT
/* The per-instance runtime path scheme (lib/runpath.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/un.h>

#include <spinal/shm.h>

#include "lib/runpath.h"

const char *spinal_run_base(void)
{
	const char *d = getenv("SPINAL_RUN_DIR");

	return d && d[0] ? d : SPINAL_RUN_DIR_DEFAULT;
}

static const char *obj_dir(enum spinal_run_obj obj)
{
	switch (obj) {
	case SPINAL_RUN_CORE_SOCK:
	case SPINAL_RUN_CORE_LOCK:
		return "core";
	case SPINAL_RUN_AGENT_SOCK:
		return "agent";
	}
	return NULL;
}

static const char *obj_suffix(enum spinal_run_obj obj)
{
	return obj == SPINAL_RUN_CORE_LOCK ? "lock" : "sock";
}

int spinal_run_dir(char *buf, size_t len, enum spinal_run_obj obj)
{
	const char *d = obj_dir(obj);
	int n;

	if (!d)
		return -EINVAL;
	n = snprintf(buf, len, "%s/%s", spinal_run_base(), d);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int spinal_run_path(char *buf, size_t len, const char *instance, enum spinal_run_obj obj)
{
	const char *d = obj_dir(obj);
	int n;

	if (!d || !instance || !spinal_instance_valid(instance))
		return -EINVAL;
	n = snprintf(buf, len, "%s/%s/%s.%s", spinal_run_base(), d, instance, obj_suffix(obj));
	if (n < 0 || (size_t)n >= len || (size_t)n >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return -ENAMETOOLONG;
	return 0;
}
