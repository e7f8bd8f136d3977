// SPDX-License-Identifier: MIT
/* Client of spinal-agent's control API (lib/agent_client.h); goal call of libspinal-driver. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <spinal/clock.h>

#include "lib/agent_client.h"
#include "lib/runpath.h"

/* "ADDR:PORT" (IPv4) into @sa.  0 or -EINVAL. */
static int parse_listen(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	char *end;
	long port;

	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535)
		return -EINVAL;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (!strcmp(host, "localhost"))
		snprintf(host, sizeof(host), "127.0.0.1");
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -EINVAL;
}

static int dial(const char *instance, const char *listen, char *via, size_t vialen, char *err,
		size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct sockaddr_in sin;
	struct stat st;
	int fd, e;

	if (instance && !spinal_run_path(sun.sun_path, sizeof(sun.sun_path), instance,
					 SPINAL_RUN_AGENT_SOCK) &&
	    stat(sun.sun_path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		snprintf(via, vialen, "%s", sun.sun_path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			return fd;
		e = errno;
		close(fd);
		snprintf(err, errlen, "cannot connect to spinal-agent at %s: %s%s", sun.sun_path,
			 strerror(e), e == EACCES ? " (not in the operator group?)" : "");
		return -e;
	}
	if (parse_listen(listen, &sin)) {
		snprintf(err, errlen, "bad agent address '%s': use ADDR:PORT", listen);
		return -EINVAL;
	}
	snprintf(via, vialen, "%s", listen);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
		return fd;
	e = errno;
	close(fd);
	snprintf(err, errlen, "cannot connect to spinal-agent at %s: %s", listen, strerror(e));
	return -e;
}

/* Wait for @ev on @fd until @deadline.  0, -ETIMEDOUT or -errno. */
static int wait_io(int fd, short ev, uint64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = ev };
	uint64_t now = spinal_mono_ns();
	int rc;

	if (now >= deadline)
		return -ETIMEDOUT;
	rc = poll(&p, 1, (int)((deadline - now) / 1000000u) + 1);
	if (rc < 0)
		return -errno;
	return rc ? 0 : -ETIMEDOUT;
}

/* The agent's {"error": "..."} text into @err (or the first line of the body). */
static void error_text(const char *body, int status, char *err, size_t errlen)
{
	const char *p = strstr(body, "\"error\"");
	size_t n = 0;

	if (p && (p = strchr(p + 7, '"'))) {
		p++;
		while (p[n] && p[n] != '"' && n < 200)
			n++;
	} else {
		p = body;
		while (p[n] && p[n] != '\n' && n < 200)
			n++;
	}
	snprintf(err, errlen, "spinal-agent answered %d: %.*s", status, (int)n, p);
}

int spinal_agent_request(const char *instance, const char *listen, const char *method,
			 const char *path, const char *body, int timeout_ms, char *resp,
			 size_t resplen, char *err, size_t errlen)
{
	uint64_t deadline = spinal_mono_ns() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 1) * 1000000u;
	const char *token = getenv("SPINAL_AGENT_TOKEN");
	char hdr[1024], buf[16384], via[128];
	size_t blen = body ? strlen(body) : 0, got = 0, off = 0;
	int fd, rc, status, n;
	char *p;

	if (resplen)
		resp[0] = '\0';
	fd = dial(instance, listen ? listen : SPINAL_AGENT_LISTEN_DEFAULT, via, sizeof(via), err,
		  errlen);
	if (fd < 0)
		return fd;
	n = snprintf(hdr, sizeof(hdr),
		     "%s %s HTTP/1.0\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n%s%s%s\r\n",
		     method, path, blen, token ? "Authorization: Bearer " : "", token ? token : "",
		     token ? "\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof(hdr)) {
		close(fd);
		snprintf(err, errlen, "request header too long");
		return -EINVAL;
	}
	/* header, then body, each to the end, within the deadline */
	while (off < (size_t)n + blen) {
		const char *src = off < (size_t)n ? hdr + off : body + (off - (size_t)n);
		size_t left = off < (size_t)n ? (size_t)n - off : blen - (off - (size_t)n);
		ssize_t w;

		rc = wait_io(fd, POLLOUT, deadline);
		if (rc)
			goto io_fail;
		w = send(fd, src, left, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno != EAGAIN) {
			rc = -errno;
			goto io_fail;
		}
		off += w > 0 ? (size_t)w : 0;
	}
	for (;;) {
		ssize_t r;

		rc = wait_io(fd, POLLIN, deadline);
		if (rc)
			goto io_fail;
		r = recv(fd, buf + got, sizeof(buf) - 1 - got, MSG_DONTWAIT);
		if (r < 0 && errno == EAGAIN)
			continue;
		if (r < 0) {
			rc = -errno;
			goto io_fail;
		}
		if (r == 0 || (got += (size_t)r) >= sizeof(buf) - 1)
			break;
	}
	close(fd);
	buf[got] = '\0';
	if (sscanf(buf, "HTTP/%*d.%*d %d", &status) != 1) {
		snprintf(err, errlen, "spinal-agent at %s did not answer in HTTP", via);
		return -EPROTO;
	}
	p = strstr(buf, "\r\n\r\n");
	p = p ? p + 4 : buf + got;
	if (resplen)
		snprintf(resp, resplen, "%s", p);
	if (status >= 300)
		error_text(p, status, err, errlen);
	else if (errlen)
		err[0] = '\0';
	return status;
io_fail:
	close(fd);
	snprintf(err, errlen, "spinal-agent at %s: %s", via,
		 rc == -ETIMEDOUT ? "no answer in time" : strerror(-rc));
	return rc;
}
