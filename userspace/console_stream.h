/* SPDX-License-Identifier: MIT */
/*
 * The console's stream hub: one sampler thread turns the agent's state into
 * Server-Sent Events (frame <= 30 Hz, hist 2 Hz), encoded once and shared by
 * every open stream; each stream takes the newest event when its socket
 * can take more.  Backpressure per client: a slow client skips frames
 * (latest value wins, the skips counted), it never queues more than the one
 * event it is sending, and nothing it does reaches the sampler or the drain.
 *
 * The hub knows neither HTTP nor the agent: it reads the agent through
 * @sample (struct console_sample) and @map callbacks, and tells a waiting
 * stream "there is more" through the stream's wake callback, so any
 * transport (suspend/resume, a poll loop) can carry it.
 *
 * Threads: create/destroy from the main thread; streams opened, read and
 * closed from the transport's thread(s); the sampler runs only while at
 * least one stream is open.
 */
#ifndef SPINAL_USERSPACE_CONSOLE_STREAM_H
#define SPINAL_USERSPACE_CONSOLE_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "userspace/console.h"

#define CONSOLE_HZ_MAX 30
#define CONSOLE_HZ_DEFAULT 25
#define CONSOLE_STREAMS_DEFAULT 16      /* open streams, all clients */
#define CONSOLE_STREAMS_PER_CLIENT 4    /* ... from one client address */

/*
 * The agent's side.  @sample fills @s (hist too when @want_hist) and returns
 * 0; @graph returns the graph blob the agent sent (malloc'd copy, caller
 * frees; *src its name) or NULL when there is none or it has not changed
 * since @known_id (FNV-1a of the blob; 0: none known).  Both are called from
 * the sampler thread and from request threads, must not block for long.
 */
struct console_source {
	int (*sample)(void *arg, struct console_sample *s, int want_hist);
	void *(*graph)(void *arg, uint64_t known_id, size_t *len, char *src, size_t srclen);
	void *arg;
};

struct console_hub_opts {
	unsigned int hz;                /* frames per second, 1..CONSOLE_HZ_MAX */
	unsigned int max_streams;       /* 0: CONSOLE_STREAMS_DEFAULT */
	unsigned int max_per_client;    /* 0: CONSOLE_STREAMS_PER_CLIENT */
};

struct console_hub_stats {
	uint64_t streams_open;          /* now */
	uint64_t streams_opened;        /* since start */
	uint64_t streams_refused;       /* over a cap */
	uint64_t frames;                /* frames encoded by the sampler */
	uint64_t events_sent;           /* events handed to streams */
	uint64_t frames_skipped;        /* frames slow streams never got (newer sent instead),
					 * or are behind by now */
	uint64_t bytes_sent;
};

struct console_hub;
struct console_stream;

/* New hub (sampler not started until a stream opens).  Main thread.  NULL + errno. */
struct console_hub *console_hub_create(const struct console_source *src,
				       const struct console_hub_opts *o);

/* Stop the sampler and free the hub.  Every stream must be closed.  NULL is a no-op. */
void console_hub_destroy(struct console_hub *h);

/*
 * console_stream_open - a new stream for client @peer (address text, the
 * per-client cap's key).  When console_stream_read() finds nothing new it
 * calls @park(@arg) before returning 0, and the next publication calls
 * @wake(@arg); both run with the hub's lock held, so a transport can park
 * and resume a connection (MHD_suspend/resume_connection) without a lost
 * wake-up, and there is no call after console_stream_close() returns.
 * Both must only signal, never block.  @park may be NULL.  Transport thread.
 * Returns the stream, or NULL with errno EBUSY (a cap reached: @why says
 * which) or ENOMEM.
 */
struct console_stream *console_stream_open(struct console_hub *h, const char *peer,
					   void (*park)(void *), void (*wake)(void *), void *arg,
					   char *why, size_t whylen);

/*
 * console_stream_read - copy up to @max bytes of the stream into @buf: the
 * rest of the event being sent, else the newest hist or frame not sent yet.
 * Transport thread (one at a time per stream).  Returns the bytes copied,
 * 0 when there is nothing new (@park was called, @wake follows), or -EPIPE
 * after console_hub_shutdown().
 */
ssize_t console_stream_read(struct console_stream *s, char *buf, size_t max);

/*
 * console_hub_shutdown - end every stream: each read from now on returns
 * -EPIPE, and every parked stream is woken to see it.  Call before the
 * transport stops.  Any thread.
 */
void console_hub_shutdown(struct console_hub *h);

/* Close a stream (no wake after it returns).  NULL is a no-op. */
void console_stream_close(struct console_stream *s);

/* Frames this stream skipped (slow client). */
uint64_t console_stream_skipped(const struct console_stream *s);

void console_hub_get_stats(struct console_hub *h, struct console_hub_stats *st);

/*
 * One document now, for GET requests (request thread; samples through the
 * source): the frame, the histograms, the map ("null" when the agent has no
 * map).  Return 0, or -ENODATA (no map), -ENOMEM.
 */
int console_hub_frame(struct console_hub *h, struct strbuf *out);
int console_hub_hist(struct console_hub *h, struct strbuf *out);
int console_hub_map(struct console_hub *h, struct strbuf *out);

#endif /* SPINAL_USERSPACE_CONSOLE_STREAM_H */
