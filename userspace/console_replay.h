/* SPDX-License-Identifier: MIT */
/*
 * Replay of recorded telemetry logs for the console: the runs of one
 * instance in the agent's log directory, a run decimated into frames of the
 * live frame schema (pose, command, goal, cumulative counters), and the
 * stage histograms of any stretch of a run.  Logs are read through
 * userspace/logread.h.  No HTTP, no agent.
 */
#ifndef SPINAL_USERSPACE_CONSOLE_REPLAY_H
#define SPINAL_USERSPACE_CONSOLE_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "userspace/strbuf.h"

#define CONSOLE_REPLAY_FRAMES_DEFAULT 1500
#define CONSOLE_REPLAY_FRAMES_MAX 20000

/*
 * console_replay_list - {"runs":[{"run","files","bytes","core_pid",
 * "start_ms","period_ns","entries"}]} for the logs of @instance in @dir,
 * newest run first.  Any thread.  Returns 0 or -errno (message in @err).
 */
int console_replay_list(const char *dir, const char *instance, struct strbuf *out, char *err,
			size_t errlen);

/*
 * console_replay_frames - run @run (a name from the list) as at most
 * @max_frames frames, evenly spaced in seq:
 *   {"run","period_ns","first_seq","end_seq","records","missing","stride",
 *    "frames":[frame...]}
 * Any thread.  Returns 0, -ENOENT (no such run), -EINVAL (bad name), -errno.
 */
int console_replay_frames(const char *dir, const char *instance, const char *run,
			  unsigned int max_frames, struct strbuf *out, char *err, size_t errlen);

/*
 * console_replay_hist - stage histograms (console_hist_json()) of the
 * records of @run with seq in [@from, @to].  Any thread.  Returns as above.
 */
int console_replay_hist(const char *dir, const char *instance, const char *run, uint64_t from,
			uint64_t to, struct strbuf *out, char *err, size_t errlen);

/*
 * console_replay_handle - the HTTP-free dispatcher of GET /console/api/
 * @what ("logs", "replay", "replay/hist") with query values @run and @arg
 * (frames / to, may be NULL).  Returns an HTTP status; 200 with the document
 * in @out, else a one-line reason in @err.
 */
int console_replay_handle(const char *dir, const char *instance, const char *what,
			  const char *run, const char *arg, struct strbuf *out, char *err,
			  size_t errlen);

#endif
