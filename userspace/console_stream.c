// SPDX-License-Identifier: MIT
/*
 * Console stream hub.  The sampler thread encodes each frame once into a
 * reference-counted SSE event; the hub keeps only the newest frame and the
 * newest histogram event.  A stream holds at most the one event it is
 * sending; when it asks for more it gets the newest one (skipping what it
 * was too slow for, counted), or waits to be woken by the next publication.
 * So memory per stream is bounded by one event, and the sampler never waits
 * for a stream.
 *
 * Locks: hub->lock guards the event slots, the stream list and every
 * stream's cursor; hub->map_lock the map and its next-hop cache (taken
 * before hub->lock, never inside it).  A stream's wake callback runs with
 * hub->lock held, which is what makes "no wake after close" true; it must
 * only signal (MHD_resume_connection).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <spinal/clock.h>
#include <spinal/config.h>

#include "userspace/console_stream.h"

#define PATH_MAX_IDS 4096
#define HIST_EVERY_MS 500
#define GRAPH_CHECK_MS 1000

struct ev {
	atomic_uint ref;
	uint64_t seq;
	size_t len;
	char data[];
};

struct console_stream {
	struct console_hub *h;
	struct console_stream *next;
	char peer[64];
	void (*park)(void *);
	void (*wake)(void *);
	void *wake_arg;
	int waiting;
	struct ev *cur;          /* event being sent (a reference) */
	size_t off;
	uint64_t frame_seq;      /* last frame/hist sent */
	uint64_t hist_seq;
	uint64_t skipped;
};

struct console_hub {
	struct console_source src;
	struct console_hub_opts o;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thr;
	int thr_started, stop, closing;
	struct ev *frame, *hist, *hello;
	struct console_stream *streams;
	unsigned int nstreams;
	struct console_hub_stats st;
	/* map_lock: */
	pthread_mutex_t map_lock;
	struct console_map *map;
	uint64_t map_checked_ns;
	uint32_t path[PATH_MAX_IDS];
	/* sampler's private buffers */
	struct console_sample *smp;
	uint64_t seq;            /* of the newest frame (lock) */
};

static void ev_put(struct ev *e)
{
	if (e && atomic_fetch_sub_explicit(&e->ref, 1, memory_order_acq_rel) == 1)
		free(e);
}

static struct ev *ev_get(struct ev *e)
{
	atomic_fetch_add_explicit(&e->ref, 1, memory_order_relaxed);
	return e;
}

/* An SSE event "event: NAME\ndata: DOC\n\n" from a one-line document. */
static struct ev *ev_make(const char *name, uint64_t seq, const char *doc, size_t len)
{
	size_t nl = strlen(name);
	struct ev *e;

	while (len && doc[len - 1] == '\n')
		len--;
	e = malloc(sizeof(*e) + nl + len + 16 + 32);
	if (!e)
		return NULL;
	atomic_init(&e->ref, 1);
	e->seq = seq;
	e->len = (size_t)sprintf(e->data, "id: %llu\nevent: %s\ndata: ", (unsigned long long)seq,
				 name);
	memcpy(e->data + e->len, doc, len);
	e->len += len;
	memcpy(e->data + e->len, "\n\n", 2);
	e->len += 2;
	return e;
}

/* Refresh the map from the source (at most once a second).  map_lock held. */
static void map_refresh(struct console_hub *h, uint64_t now, int force)
{
	char src[256];
	size_t len = 0;
	void *blob;

	if (!force && h->map && now - h->map_checked_ns < GRAPH_CHECK_MS * 1000000ULL)
		return;
	h->map_checked_ns = now;
	blob = h->src.graph(h->src.arg, console_map_id(h->map), &len, src, sizeof(src));
	if (blob) {
		struct console_map *m = console_map_create(blob, len, src);

		free(blob);
		if (m) {
			console_map_destroy(h->map);
			h->map = m;
		}
	}
}

/* Frame document for @s; map_lock held. */
static void frame_doc(struct console_hub *h, const struct console_sample *s, uint64_t seq,
		      struct strbuf *b)
{
	uint32_t goal = s->goal_node >= 0 ? (uint32_t)s->goal_node : SPINAL_NODE_NONE;
	int n = 0;

	if (h->map && s->attached)
		n = console_map_path(h->map,
				     s->nearest_node >= 0 ? (uint32_t)s->nearest_node : SPINAL_NODE_NONE,
				     s->x, s->y, goal, h->path, PATH_MAX_IDS);
	console_frame_json(s, seq, h->path, n, goal, console_map_id(h->map), b);
}

/* Wake every parked stream.  h->lock held. */
static void wake_all_locked(struct console_hub *h)
{
	struct console_stream *s;

	for (s = h->streams; s; s = s->next) {
		if (s->waiting) {
			s->waiting = 0;
			s->wake(s->wake_arg);
		}
	}
}

static void publish(struct console_hub *h, struct ev *frame, struct ev *hist)
{
	pthread_mutex_lock(&h->lock);
	if (frame) {
		ev_put(h->frame);
		h->frame = frame;
		h->seq = frame->seq;
		h->st.frames++;
	}
	if (hist) {
		ev_put(h->hist);
		h->hist = hist;
	}
	wake_all_locked(h);
	pthread_mutex_unlock(&h->lock);
}

static void *sampler(void *arg)
{
	struct console_hub *h = arg;
	uint64_t period = 1000000000ULL / h->o.hz, next = spinal_mono_ns(), last_hist = 0;
	struct strbuf b = { 0 };
	uint64_t seq = 0;

	for (;;) {
		struct timespec ts;
		struct ev *fe, *he = NULL;
		uint64_t now;
		int want_hist;

		pthread_mutex_lock(&h->lock);
		while (!h->stop && !h->nstreams) {
			pthread_cond_wait(&h->cond, &h->lock);
			next = spinal_mono_ns();
		}
		if (h->stop) {
			pthread_mutex_unlock(&h->lock);
			break;
		}
		pthread_mutex_unlock(&h->lock);
		now = spinal_mono_ns();
		want_hist = now - last_hist >= HIST_EVERY_MS * 1000000ULL;
		if (h->src.sample(h->src.arg, h->smp, want_hist) == 0) {
			seq++;
			pthread_mutex_lock(&h->map_lock);
			map_refresh(h, now, 0);
			frame_doc(h, h->smp, seq, &b);
			pthread_mutex_unlock(&h->map_lock);
			fe = b.oom ? NULL : ev_make("frame", seq, b.s, b.len);
			sb_free(&b);
			b.oom = 0;
			if (want_hist && h->smp->have_hist) {
				last_hist = now;
				console_hist_json(h->smp->stage, seq, &b);
				he = b.oom ? NULL : ev_make("hist", seq, b.s, b.len);
				sb_free(&b);
				b.oom = 0;
			}
			publish(h, fe, he);
		}
		/* absolute sleeps: the rate does not drift with the work above */
		next += period;
		now = spinal_mono_ns();
		if (next < now)
			next = now;
		ts.tv_sec = (time_t)(next / 1000000000ULL);
		ts.tv_nsec = (long)(next % 1000000000ULL);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
	}
	return NULL;
}

struct console_hub *console_hub_create(const struct console_source *src,
				       const struct console_hub_opts *o)
{
	struct console_hub *h = calloc(1, sizeof(*h));
	char hello[160];
	int n;

	if (!h)
		return NULL;
	h->src = *src;
	h->o = *o;
	if (h->o.hz < 1 || h->o.hz > CONSOLE_HZ_MAX)
		h->o.hz = CONSOLE_HZ_DEFAULT;
	if (!h->o.max_streams)
		h->o.max_streams = CONSOLE_STREAMS_DEFAULT;
	if (!h->o.max_per_client)
		h->o.max_per_client = CONSOLE_STREAMS_PER_CLIENT;
	h->smp = calloc(1, sizeof(*h->smp));
	n = snprintf(hello, sizeof(hello), "{\"schema\":%d,\"hz\":%u,\"hist_ms\":%d}", CONSOLE_SCHEMA,
		     h->o.hz, HIST_EVERY_MS);
	h->hello = ev_make("hello", 0, hello, (size_t)n);
	if (!h->smp || !h->hello) {
		free(h->smp);
		ev_put(h->hello);
		free(h);
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_init(&h->map_lock, NULL);
	pthread_cond_init(&h->cond, NULL);
	return h;
}

void console_hub_destroy(struct console_hub *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	h->stop = 1;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
	if (h->thr_started)
		pthread_join(h->thr, NULL);
	ev_put(h->frame);
	ev_put(h->hist);
	ev_put(h->hello);
	console_map_destroy(h->map);
	pthread_cond_destroy(&h->cond);
	pthread_mutex_destroy(&h->map_lock);
	pthread_mutex_destroy(&h->lock);
	free(h->smp);
	free(h);
}

struct console_stream *console_stream_open(struct console_hub *h, const char *peer,
					   void (*park)(void *), void (*wake)(void *), void *arg,
					   char *why, size_t whylen)
{
	struct console_stream *s, *p;
	unsigned int same = 0;

	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->h = h;
	snprintf(s->peer, sizeof(s->peer), "%s", peer ? peer : "");
	s->park = park;
	s->wake = wake;
	s->wake_arg = arg;
	pthread_mutex_lock(&h->lock);
	for (p = h->streams; p; p = p->next)
		same += !strcmp(p->peer, s->peer);
	if (h->nstreams >= h->o.max_streams || same >= h->o.max_per_client) {
		h->st.streams_refused++;
		if (h->nstreams >= h->o.max_streams)
			snprintf(why, whylen, "%u console streams are open (the agent's cap, --console-streams); close a console tab",
				 h->nstreams);
		else
			snprintf(why, whylen, "%u console streams are open from %s (the cap per client is %u); close a tab",
				 same, s->peer, h->o.max_per_client);
		pthread_mutex_unlock(&h->lock);
		free(s);
		errno = EBUSY;
		return NULL;
	}
	if (!h->thr_started) {
		if (pthread_create(&h->thr, NULL, sampler, h)) {
			pthread_mutex_unlock(&h->lock);
			snprintf(why, whylen, "cannot start the console sampler thread");
			free(s);
			errno = ENOMEM;
			return NULL;
		}
		h->thr_started = 1;
	}
	s->cur = ev_get(h->hello);
	s->next = h->streams;
	h->streams = s;
	h->nstreams++;
	h->st.streams_opened++;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
	return s;
}

ssize_t console_stream_read(struct console_stream *s, char *buf, size_t max)
{
	struct console_hub *h = s->h;
	size_t n;

	pthread_mutex_lock(&h->lock);
	if (h->closing) {
		pthread_mutex_unlock(&h->lock);
		return -EPIPE;
	}
	if (!s->cur) {
		if (h->hist && h->hist->seq > s->hist_seq) {
			s->cur = ev_get(h->hist);
			s->hist_seq = h->hist->seq;
		} else if (h->frame && h->frame->seq > s->frame_seq) {
			if (s->frame_seq && h->frame->seq > s->frame_seq + 1) {
				s->skipped += h->frame->seq - s->frame_seq - 1;
				h->st.frames_skipped += h->frame->seq - s->frame_seq - 1;
			}
			s->cur = ev_get(h->frame);
			s->frame_seq = h->frame->seq;
		} else {
			s->waiting = 1;
			if (s->park)
				s->park(s->wake_arg);
			pthread_mutex_unlock(&h->lock);
			return 0;
		}
		s->off = 0;
		h->st.events_sent++;
	}
	n = s->cur->len - s->off;
	if (n > max)
		n = max;
	memcpy(buf, s->cur->data + s->off, n);
	s->off += n;
	h->st.bytes_sent += n;
	if (s->off == s->cur->len) {
		ev_put(s->cur);
		s->cur = NULL;
	}
	pthread_mutex_unlock(&h->lock);
	return (ssize_t)n;
}

void console_hub_shutdown(struct console_hub *h)
{
	pthread_mutex_lock(&h->lock);
	h->closing = 1;
	wake_all_locked(h);
	pthread_mutex_unlock(&h->lock);
}

void console_stream_close(struct console_stream *s)
{
	struct console_hub *h;
	struct console_stream **pp;

	if (!s)
		return;
	h = s->h;
	pthread_mutex_lock(&h->lock);
	for (pp = &h->streams; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			h->nstreams--;
			break;
		}
	}
	pthread_mutex_unlock(&h->lock);
	ev_put(s->cur);
	free(s);
}

uint64_t console_stream_skipped(const struct console_stream *s)
{
	return s->skipped;
}

void console_hub_get_stats(struct console_hub *h, struct console_hub_stats *st)
{
	struct console_stream *s;

	pthread_mutex_lock(&h->lock);
	*st = h->st;
	st->streams_open = h->nstreams;
	/* a stream that has not asked for more yet: the frames it is behind */
	for (s = h->streams; s; s = s->next)
		if (s->frame_seq && h->seq > s->frame_seq + 1)
			st->frames_skipped += h->seq - s->frame_seq - 1;
	pthread_mutex_unlock(&h->lock);
}

/* --- one document now --- */

int console_hub_frame(struct console_hub *h, struct strbuf *out)
{
	struct console_sample *s = malloc(sizeof(*s));
	uint64_t seq;

	if (!s)
		return -ENOMEM;
	if (h->src.sample(h->src.arg, s, 0)) {
		free(s);
		return -ENODATA;
	}
	pthread_mutex_lock(&h->lock);
	seq = h->seq;
	pthread_mutex_unlock(&h->lock);
	pthread_mutex_lock(&h->map_lock);
	map_refresh(h, spinal_mono_ns(), 0);
	frame_doc(h, s, seq, out);
	pthread_mutex_unlock(&h->map_lock);
	free(s);
	return out->oom ? -ENOMEM : 0;
}

int console_hub_hist(struct console_hub *h, struct strbuf *out)
{
	struct console_sample *s = malloc(sizeof(*s));

	if (!s)
		return -ENOMEM;
	if (h->src.sample(h->src.arg, s, 1) || !s->have_hist) {
		free(s);
		return -ENODATA;
	}
	console_hist_json(s->stage, 0, out);
	free(s);
	return out->oom ? -ENOMEM : 0;
}

int console_hub_map(struct console_hub *h, struct strbuf *out)
{
	int rc = 0;

	pthread_mutex_lock(&h->map_lock);
	map_refresh(h, spinal_mono_ns(), 1);
	if (h->map)
		console_map_json(h->map, out);
	else
		rc = -ENODATA;
	pthread_mutex_unlock(&h->map_lock);
	return rc ? rc : out->oom ? -ENOMEM : 0;
}
