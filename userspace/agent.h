/* SPDX-License-Identifier: MIT */
/* spinal-agent: the daemon (attach, drain, watchdog, metrics + API server). */
#ifndef SPINAL_USERSPACE_AGENT_H
#define SPINAL_USERSPACE_AGENT_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>

#include "lib/wd.h"
#include "userspace/attach.h"
#include "userspace/cfglink.h"
#include "userspace/drain.h"
#include "userspace/telemlog.h"
#include "userspace/watchdog.h"

#define AGENT_DEFAULT_LISTEN "127.0.0.1:9477"
#define AGENT_DEFAULT_LOG_DIR "/var/lib/spinal/telemetry"
#define AGENT_DEFAULT_USER "spinal"
#ifndef AGENT_DEFAULT_WEB_DIR
#define AGENT_DEFAULT_WEB_DIR "/usr/local/share/spinal/web"
#endif

/* Settings: command line, config file ([agent] section), defaults. */
struct agent_opts {
	char name[SPINAL_NAME_MAX];
	char log_dir[512];
	char user[64];
	char listen[64];        /* "" or "off": no HTTP server */
	char config[512];       /* config file path or "" */
	uint32_t flush_records; /* flush every N records ... */
	uint32_t flush_ms;      /* ... or T ms, whichever first */
	uint64_t rotate_bytes;
	uint32_t keep_files;
	int fsync_mode;         /* enum tlog_fsync */
	uint32_t stall_periods; /* heartbeat age (in core periods) that is a stall */
	uint32_t stall_min_ms;  /* ... but never less than this */
	int exit_with_core;
	int quiet;
	char graph[512];        /* --graph: JSON map sent after every attach, or "" */
	char model[512];        /* --model: NIR model sent after every attach, or "" */
	double model_dt;        /* --model-dt seconds; 0: the core's period */
	long goal_node;         /* --goal-node: SET_GOAL after the graph; -1 none */
	char socket[256];       /* --socket: attach through the core's handoff socket, or "" */
	char web_dir[512];      /* --web-dir: the console's static files (docs/console.md) */
	uint32_t console_hz;    /* --console-hz: stream frames per second, 1..30 */
	uint32_t console_streams; /* --console-streams: open console streams, all clients */
};

/* Core tunables from the config file's [core] section (sent via the config ABI). */
struct core_tunables {
	uint32_t set;           /* bit per field present */
	double max_speed, max_omega, max_accel, max_jerk, goal_tolerance, min_confidence;
	double stale_state_ms;
};

/* What the metrics/API thread may read, copied by the main loop under @lock. */
struct agent_view {
	int attached;
	int core_dead;          /* watchdog verdict */
	int stalled;
	int safe_stop_req;
	uint64_t written, missing, dups, invalid;
	uint64_t next_seq;
	struct tlog_counters log;
	uint64_t wd_stalls, wd_deaths;
	uint64_t attaches;
	uint64_t reloads, reload_errors;
	uint64_t last_detect_ns;
	uint64_t kwd_trips;     /* kernel watchdog trips seen */
	int kwd_available;      /* /dev/spinal_wd open as supervisor */
};

struct console_http;

struct agent {
	struct agent_opts opt;
	uint32_t pinned;        /* AO_* fields set on the command line (kept on reload) */
	struct core_tunables tun;
	pthread_mutex_t lock;   /* guards @at mappings for other threads, and @view */
	struct attach at;
	struct drain dr;
	struct tlog *log;
	struct watchdog wd;
	struct agent_view view;
	int attached;
	int inotify_fd;
	struct tlog_core_id done_id; /* core run already finished: do not re-attach */
	int have_done;
	void *http;             /* struct http_server */
	struct console_http *console; /* the live console (userspace/console_http.h) */
	uint64_t gap_report_ns, gap_reported;
	struct cfglink cfg;     /* config link to the core (own lock, taken before @lock) */
	struct spinal_wd *kwd;  /* kernel watchdog, supervisor; NULL: not available */
};

/* bits of agent.pinned */
enum {
	AO_LOG_DIR = 1u << 0, AO_FLUSH_RECORDS = 1u << 1, AO_FLUSH_MS = 1u << 2,
	AO_ROTATE = 1u << 3, AO_KEEP = 1u << 4, AO_FSYNC = 1u << 5, AO_STALL = 1u << 6,
	AO_LISTEN = 1u << 7, AO_USER = 1u << 8, AO_NAME = 1u << 9, AO_EXIT = 1u << 10,
	AO_GRAPH = 1u << 11, AO_MODEL = 1u << 12, AO_MODEL_DT = 1u << 13,
	AO_GOAL = 1u << 14,
};

/* Timeout for the core's verdict on one config message. */
#define AGENT_CFG_TIMEOUT_MS 2000

/*
 * agent_load_files - check the --graph / --model files (graph parsed into a
 * blob kept for sending, model read as NIR) and --goal-node (>= 0: must be a
 * node of @graph when one is given) and hand them to ag->cfg.  Main
 * thread, before agent_run() or on reload.  Returns 0, or -1 with
 * "file:line: reason" in @err; nothing changed then.
 */
int agent_load_files(struct agent *ag, const char *graph, const char *model, double model_dt,
		     long goal_node, char *err, size_t errlen);

void agent_opts_defaults(struct agent_opts *o);

/* Set by signal handlers; the main loop polls them. */
extern volatile sig_atomic_t agent_stop, agent_reload;

/*
 * agent_run - the daemon.  Main thread; returns the process exit status
 * (0 clean, 1 runtime error, 2 refused: ABI or setup).
 */
int agent_run(struct agent *ag);

/* One operator line on stderr, prefixed "spinal-agent[<name>]: ". */
void agent_log(const struct agent *ag, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* CLOCK_MONOTONIC in ns. */
uint64_t agent_now_ns(void);

#endif
