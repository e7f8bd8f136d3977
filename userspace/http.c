// SPDX-License-Identifier: MIT
/* HTTP listener on libmicrohttpd's internal polling thread. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "userspace/api.h"
#include "userspace/console_http.h"
#include "userspace/http.h"
#include "userspace/metrics.h"

struct req {
	char *body;
	size_t len, cap;
	int too_large;
};

int http_parse_listen(const char *s, void *out)
{
	struct sockaddr_in *sa = out;
	const char *colon = strrchr(s, ':');
	char host[64];
	char *end;
	long port;

	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end || port < 0 || port > 65535)
		return -EINVAL;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (!strcmp(host, "localhost") || !host[0])
		sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return -EINVAL;
	return 0;
}

static enum MHD_Result reply(struct MHD_Connection *c, int status, struct strbuf *b,
			     const char *type)
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
	ret = MHD_queue_response(c, (unsigned int)status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
			       const char *method, const char *version,
			       const char *upload_data, size_t *upload_size, void **con_cls)
{
	struct agent *ag = cls;
	struct req *rq = *con_cls;
	struct strbuf b = { 0 };
	int status;

	(void)version;
	if (!rq) {
		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;

		if (rq->too_large || rq->len + n > API_MAX_BODY) {
			rq->too_large = 1;
		} else {
			if (rq->len + n + 1 > rq->cap) {
				size_t nc = rq->cap ? rq->cap : 4096;
				char *nb;

				while (nc < rq->len + n + 1)
					nc *= 2;
				nb = realloc(rq->body, nc);
				if (!nb)
					return MHD_NO;
				rq->body = nb;
				rq->cap = nc;
			}
			memcpy(rq->body + rq->len, upload_data, n);
			rq->len += n;
			rq->body[rq->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (ag->console && console_http_route(url))
		return console_http_handle(ag->console, c, url, method, rq->body,
					   rq->too_large ? API_MAX_BODY + 1 : rq->len);
	if (!strcmp(url, "/metrics")) {
		if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
			sb_printf(&b, "{\"error\":\"use GET /metrics\",\"status\":405}\n");
			return reply(c, 405, &b, "application/json");
		}
		if (metrics_render(ag, &b)) {
			sb_free(&b);
			sb_printf(&b, "{\"error\":\"out of memory\",\"status\":500}\n");
			return reply(c, 500, &b, "application/json");
		}
		return reply(c, 200, &b, "text/plain; version=0.0.4; charset=utf-8");
	}
	status = api_handle(ag, method, url, rq->body, rq->too_large ? API_MAX_BODY + 1 : rq->len,
			    &b);
	return reply(c, status, &b, "application/json");
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct req *rq = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (rq) {
		free(rq->body);
		free(rq);
	}
	*con_cls = NULL;
}

int http_start(struct agent *ag, char *err, size_t errlen)
{
	struct sockaddr_in sa;
	sigset_t block, old;
	struct MHD_Daemon *d;
	int saved;

	if (!ag->opt.listen[0] || !strcmp(ag->opt.listen, "off"))
		return 0;
	if (http_parse_listen(ag->opt.listen, &sa)) {
		snprintf(err, errlen, "--listen '%s' is not ADDR:PORT (IPv4), e.g. 127.0.0.1:9477",
			 ag->opt.listen);
		return -EINVAL;
	}
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	ag->console = console_http_start(ag);
	if (!ag->console)
		agent_log(ag, "console: cannot start (out of memory); /metrics and the API still work");
	/* suspend/resume: parked console streams cost nothing (console_http.c) */
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_ALLOW_SUSPEND_RESUME,
			     ntohs(sa.sin_port), NULL, NULL,
			     handler, ag, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
			     MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)32,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10, MHD_OPTION_END);
	saved = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!d) {
		console_http_free(ag->console);
		ag->console = NULL;
		snprintf(err, errlen, "cannot listen on %s: %s; pick another --listen ADDR:PORT or 'off'",
			 ag->opt.listen, saved ? strerror(saved) : "address in use?");
		return -(saved ? saved : EADDRINUSE);
	}
	ag->http = d;
	agent_log(ag, "serving the console, /metrics and the control API on http://%s", ag->opt.listen);
	return 0;
}

void http_stop(struct agent *ag)
{
	/* no connection may stay suspended when MHD stops */
	console_http_shutdown(ag->console);
	if (ag->http)
		MHD_stop_daemon(ag->http);
	ag->http = NULL;
	console_http_free(ag->console);
	ag->console = NULL;
}
