// SPDX-License-Identifier: MIT
/*
 * The console's routes on libmicrohttpd (console_http.h).  The SSE stream
 * is a callback response: when the hub has nothing new the connection is
 * suspended (under the hub's lock, console_stream.h) and the next frame
 * resumes it, so an idle stream costs no CPU and a slow one only skips
 * frames.  Suspended connections do not time out in MHD; a live stream
 * writes at the frame rate, so the agent's idle timeout never ends it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "userspace/api.h"
#include "userspace/console_http.h"
#include "userspace/console_replay.h"

#define STREAM_BLOCK (16u << 10)
#define CSP "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " \
	    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

struct console_http *console_http_start(struct agent *ag)
{
	struct console_http *ch = calloc(1, sizeof(*ch));
	struct console_hub_opts o = {
		.hz = ag->opt.console_hz,
		.max_streams = ag->opt.console_streams,
	};

	if (!ch)
		return NULL;
	console_agent_init(&ch->ca, ag);
	ch->hub = console_hub_create(&ch->ca.src, &o);
	if (!ch->hub) {
		console_agent_fini(&ch->ca);
		free(ch);
		return NULL;
	}
	ch->web = console_web_load(ag->opt.web_dir, ch->web_err, sizeof(ch->web_err));
	if (!ch->web)
		agent_log(ag, "console: %s; / answers 404, the console API still works", ch->web_err);
	return ch;
}

void console_http_shutdown(struct console_http *ch)
{
	if (ch)
		console_hub_shutdown(ch->hub);
}

void console_http_free(struct console_http *ch)
{
	if (!ch)
		return;
	console_hub_destroy(ch->hub);
	console_web_free(ch->web);
	console_agent_fini(&ch->ca);
	free(ch);
}

int console_http_route(const char *url)
{
	return !strcmp(url, "/") || !strcmp(url, "/index.html") || !strncmp(url, "/console/", 9);
}

static void security_headers(struct MHD_Response *r)
{
	MHD_add_response_header(r, "Content-Security-Policy", CSP);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
}

static enum MHD_Result send_buf(struct MHD_Connection *c, int status, const char *type,
				struct strbuf *b)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t len;
	char *s = sb_take(b, &len);

	if (!s)
		return MHD_NO;
	r = MHD_create_response_from_buffer(len, s, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(s);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	security_headers(r);
	ret = MHD_queue_response(c, (unsigned int)status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_err(struct MHD_Connection *c, int status, const char *msg)
{
	struct strbuf b = { 0 };

	sb_printf(&b, "{\"error\":");
	console_json_str(&b, msg);
	sb_printf(&b, ",\"status\":%d}\n", status);
	return send_buf(c, status, "application/json", &b);
}

static enum MHD_Result send_doc(struct MHD_Connection *c, int rc, struct strbuf *b,
				const char *what)
{
	char msg[160];

	if (rc == 0)
		return send_buf(c, 200, "application/json", b);
	sb_free(b);
	if (rc == -ENODATA) {
		snprintf(msg, sizeof(msg), "no %s yet: the agent has none (no core attached, or no map sent)",
			 what);
		return send_err(c, 404, msg);
	}
	return send_err(c, 500, "out of memory");
}

static enum MHD_Result send_file(struct MHD_Connection *c, const struct console_file *f)
{
	const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
	struct MHD_Response *r;
	enum MHD_Result ret;
	int status = 200;

	if (inm && !strcmp(inm, f->etag)) {
		status = 304;
		r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	} else {
		r = MHD_create_response_from_buffer(f->len, f->data, MHD_RESPMEM_PERSISTENT);
	}
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", f->type);
	MHD_add_response_header(r, "ETag", f->etag);
	MHD_add_response_header(r, "Cache-Control", "no-cache");
	security_headers(r);
	ret = MHD_queue_response(c, (unsigned int)status, r);
	MHD_destroy_response(r);
	return ret;
}

/* --- the SSE stream --- */

struct sse {
	struct console_stream *s;
	struct MHD_Connection *c;
};

static void sse_park(void *arg)
{
	MHD_suspend_connection(((struct sse *)arg)->c);
}

static void sse_wake(void *arg)
{
	MHD_resume_connection(((struct sse *)arg)->c);
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sse *x = cls;
	ssize_t n;

	(void)pos;
	n = console_stream_read(x->s, buf, max);
	if (n < 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	return n; /* 0: parked until the next frame */
}

static void sse_free(void *cls)
{
	struct sse *x = cls;

	console_stream_close(x->s);
	free(x);
}

static void peer_of(struct MHD_Connection *c, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(buf, len, "?");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)len);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf, (socklen_t)len);
	else if (sa && sa->sa_family == AF_UNIX)
		snprintf(buf, len, "unix");
}

static enum MHD_Result stream(struct console_http *ch, struct MHD_Connection *c)
{
	struct sse *x = calloc(1, sizeof(*x));
	struct MHD_Response *r;
	enum MHD_Result ret;
	char peer[64], why[200];

	if (!x)
		return send_err(c, 500, "out of memory");
	peer_of(c, peer, sizeof(peer));
	x->c = c;
	x->s = console_stream_open(ch->hub, peer, sse_park, sse_wake, x, why, sizeof(why));
	if (!x->s) {
		free(x);
		return send_err(c, errno == EBUSY ? 429 : 500, errno == EBUSY ? why : "out of memory");
	}
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK, sse_read, x, sse_free);
	if (!r) {
		sse_free(x);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "text/event-stream");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Accel-Buffering", "no");
	security_headers(r);
	ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

/* --- controls that need more than the control API --- */

/*
 * POST /console/api/model: the body is a NIR file.  It is written to a
 * private file (mode 0600, O_EXCL) and handed to POST /model, whose answer
 * (the core's verdict) is returned as it is; the file is removed after.
 */
static enum MHD_Result upload_model(struct console_http *ch, struct MHD_Connection *c,
				    const char *body, size_t len)
{
	char path[] = "/tmp/spinal-console-model-XXXXXX", req[128];
	struct strbuf b = { 0 };
	size_t done = 0;
	int fd, status;

	if (!len)
		return send_err(c, 400, "POST /console/api/model takes the model file (NIR, HDF5) as the request body");
	if (len > API_MAX_BODY)
		return send_err(c, 413, "model file larger than 16 MiB");
	fd = mkstemp(path);
	if (fd < 0)
		return send_err(c, 500, "cannot store the upload: no private temporary file");
	while (done < len) {
		ssize_t w = write(fd, body + done, len - done);

		if (w <= 0) {
			close(fd);
			unlink(path);
			return send_err(c, 507, "cannot store the upload: disk full?");
		}
		done += (size_t)w;
	}
	close(fd);
	snprintf(req, sizeof(req), "{\"path\":\"%s\"}", path);
	status = api_handle(ch->ca.ag, "POST", "/model", req, strlen(req), &b);
	unlink(path);
	return send_buf(c, status, "application/json", &b);
}

static enum MHD_Result session(struct console_http *ch, struct MHD_Connection *c)
{
	struct strbuf b = { 0 };

	(void)ch;
	/* No authentication on this agent's listener yet: every client operates. */
	sb_printf(&b, "{\"schema\":%d,\"role\":\"operator\",\"auth\":\"none\",\"estop_engage\":true,"
		      "\"note\":\"this agent's listener has no authentication: every client that reaches it may control the robot; keep it on 127.0.0.1\"}\n",
		  CONSOLE_SCHEMA);
	return send_buf(c, 200, "application/json", &b);
}

static enum MHD_Result stats(struct console_http *ch, struct MHD_Connection *c)
{
	struct console_hub_stats st;
	struct strbuf b = { 0 };

	console_hub_get_stats(ch->hub, &st);
	sb_printf(&b, "{\"streams_open\":%llu,\"streams_opened\":%llu,\"streams_refused\":%llu,"
		      "\"frames\":%llu,\"events_sent\":%llu,\"frames_skipped\":%llu,\"bytes_sent\":%llu}\n",
		  (unsigned long long)st.streams_open, (unsigned long long)st.streams_opened,
		  (unsigned long long)st.streams_refused, (unsigned long long)st.frames,
		  (unsigned long long)st.events_sent, (unsigned long long)st.frames_skipped,
		  (unsigned long long)st.bytes_sent);
	return send_buf(c, 200, "application/json", &b);
}

static int is_get(const char *m)
{
	return !strcmp(m, "GET") || !strcmp(m, "HEAD");
}

static enum MHD_Result api(struct console_http *ch, struct MHD_Connection *c, const char *what,
			   const char *method, const char *body, size_t len)
{
	struct strbuf b = { 0 };

	if (!strcmp(what, "model")) {
		if (strcmp(method, "POST"))
			return send_err(c, 405, "use POST /console/api/model with the NIR file as the body");
		return upload_model(ch, c, body, len);
	}
	if (!is_get(method))
		return send_err(c, 405, "use GET");
	if (!strcmp(what, "stream"))
		return stream(ch, c);
	if (!strcmp(what, "frame"))
		return send_doc(c, console_hub_frame(ch->hub, &b), &b, "frame");
	if (!strcmp(what, "hist"))
		return send_doc(c, console_hub_hist(ch->hub, &b), &b, "histograms");
	if (!strcmp(what, "map"))
		return send_doc(c, console_hub_map(ch->hub, &b), &b, "map");
	if (!strcmp(what, "session"))
		return session(ch, c);
	if (!strcmp(what, "stats"))
		return stats(ch, c);
	if (!strcmp(what, "logs") || !strcmp(what, "replay") || !strcmp(what, "replay/hist")) {
		const char *run = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "run");
		const char *arg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
							      what[6] ? "to" : "frames");
		char err[300];
		int status = console_replay_handle(ch->ca.ag->opt.log_dir, ch->ca.ag->opt.name, what,
						   run, arg, &b, err, sizeof(err));

		if (status != 200) {
			sb_free(&b);
			return send_err(c, status, err);
		}
		return send_buf(c, 200, "application/json", &b);
	}
	return send_err(c, 404, "no such console document; see docs/console.md (frame, hist, map, stream, session, logs, replay)");
}

enum MHD_Result console_http_handle(struct console_http *ch, struct MHD_Connection *c,
				    const char *url, const char *method, const char *body,
				    size_t len)
{
	const struct console_file *f;
	const char *name;

	if (!strncmp(url, "/console/api/", 13))
		return api(ch, c, url + 13, method, body, len);
	if (!is_get(method))
		return send_err(c, 405, "the console's files are read with GET");
	if (!ch->web)
		return send_err(c, 404, ch->web_err);
	name = !strcmp(url, "/") ? "index.html" : url[1] == 'i' ? url + 1 : url + 9;
	f = console_web_find(ch->web, name);
	if (!f)
		return send_err(c, 404, "no such console file");
	return send_file(c, f);
}
