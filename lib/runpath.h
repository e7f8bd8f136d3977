/* SPDX-License-Identifier: MIT */
/*
 * The per-instance runtime paths: one scheme, one place, for every program.
 *
 *   <run>/core/<instance>.sock   spinal-core's handoff socket (regions to peers)
 *   <run>/core/<instance>.lock   held (flock) by the live core of <instance>
 *   <run>/agent/<instance>.sock  spinal-agent's control socket (operators)
 *
 * <run> is $SPINAL_RUN_DIR when set (tests, unprivileged development), else
 * /run/spinal.  The core and agent directories belong to their daemons'
 * users (deploy/tmpfiles.d/spinal.conf), so no peer can remove or replace
 * the other's socket, and they outlive a stopped daemon: a peer's path never
 * vanishes under it.
 */
#ifndef SPINAL_LIB_RUNPATH_H
#define SPINAL_LIB_RUNPATH_H

#include <stddef.h>

#define SPINAL_RUN_DIR_DEFAULT "/run/spinal"

enum spinal_run_obj {
	SPINAL_RUN_CORE_SOCK = 0,
	SPINAL_RUN_CORE_LOCK = 1,
	SPINAL_RUN_AGENT_SOCK = 2,
};

/* $SPINAL_RUN_DIR or SPINAL_RUN_DIR_DEFAULT.  Any thread (reads the
 * environment: call before starting threads that may setenv). */
const char *spinal_run_base(void);

/*
 * spinal_run_dir - the directory that holds @obj ("<run>/core" or
 * "<run>/agent") into @buf.  Any non-RT thread.  Returns 0 or -ENAMETOOLONG.
 */
int spinal_run_dir(char *buf, size_t len, enum spinal_run_obj obj);

/*
 * spinal_run_path - the path of @obj for @instance into @buf.  Any non-RT
 * thread.  Returns 0, -EINVAL (instance not [A-Za-z0-9_-]{1,31}, unknown
 * @obj) or -ENAMETOOLONG (longer than @len, or than a UNIX socket path).
 */
int spinal_run_path(char *buf, size_t len, const char *instance, enum spinal_run_obj obj);

#endif /* SPINAL_LIB_RUNPATH_H */
