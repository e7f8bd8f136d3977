// SPDX-License-Identifier: MIT
/* spinal-agent ctl: the control API from a shell, without curl. */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "userspace/agent.h"
#include "userspace/ctl.h"
#include "userspace/http.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: spinal-agent ctl [--listen ADDR:PORT] COMMAND [ARGS]\n"
		"\n"
		"Talk to a running spinal-agent's control API (default %s).\n"
		"\n"
		"commands:\n"
		"  status              GET /status (core state, counters, watchdog)\n"
		"  metrics             GET /metrics (Prometheus text)\n"
		"  goal X Y            POST /goal {\"x\":X,\"y\":Y} (metres)\n"
		"  goal-node ID        POST /goal {\"node\":ID}\n"
		"  estop [REASON]      POST /estop\n"
		"  estop-clear         POST /estop/clear\n"
		"  params K=V...       POST /params {\"K\":V,...}\n"
		"  graph FILE.json     POST /graph with the file as body\n"
		"  model FILE.nir [DT] POST /model {\"path\":FILE (made absolute), \"dt\":DT}\n"
		"  raw METHOD PATH [JSON]  any request\n"
		"\n"
		"Prints the response body; exits 0 on a 2xx answer, 1 otherwise, 2 when the\n"
		"agent cannot be reached.  Sending commands answer 200 when the core accepted\n"
		"the message, 202 when it has not handled it yet, 422/501 with the core's\n"
		"reason when it refused it.\n",
		AGENT_DEFAULT_LISTEN);
}

int ctl_request(const char *listen, const char *method, const char *path, const char *body,
		size_t len)
{
	struct sockaddr_in sa;
	char hdr[512], buf[65536];
	size_t got = 0;
	ssize_t n;
	char *p;
	int fd, status;

	if (http_parse_listen(listen, &sa))
		return -EINVAL;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	snprintf(hdr, sizeof(hdr),
		 "%s %s HTTP/1.0\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
		 method, path, listen, len);
	if (write(fd, hdr, strlen(hdr)) < 0 || (len && write(fd, body, len) != (ssize_t)len)) {
		int e = errno;

		close(fd);
		return -e;
	}
	/* first chunk holds the status line and headers; stream the rest */
	while (got < sizeof(buf) - 1 && (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	if (sscanf(buf, "HTTP/%*d.%*d %d", &status) != 1) {
		close(fd);
		return -EPROTO;
	}
	p = strstr(buf, "\r\n\r\n");
	if (p)
		fwrite(p + 4, 1, got - (size_t)(p + 4 - buf), stdout);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	close(fd);
	return status;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *s = NULL;
	size_t cap = 0, n = 0, r;

	if (!f)
		return NULL;
	do {
		if (n + 65536 > cap) {
			char *ns = realloc(s, cap = cap ? cap * 2 : 65536 * 2);

			if (!ns) {
				free(s);
				fclose(f);
				return NULL;
			}
			s = ns;
		}
		r = fread(s + n, 1, cap - n, f);
		n += r;
	} while (r > 0);
	fclose(f);
	*len = n;
	return s;
}

static int json_escape(char *dst, size_t len, const char *s)
{
	size_t o = 0;

	for (; *s; s++) {
		if (o + 7 >= len)
			return -ENAMETOOLONG;
		if (*s == '"' || *s == '\\')
			dst[o++] = '\\', dst[o++] = *s;
		else if ((unsigned char)*s < 0x20)
			o += (size_t)snprintf(dst + o, len - o, "\\u%04x", *s);
		else
			dst[o++] = *s;
	}
	dst[o] = '\0';
	return 0;
}

int ctl_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen = AGENT_DEFAULT_LISTEN, *method = "POST", *path = NULL;
	char body[8192], esc[4096];
	char *fbody = NULL;
	const char *b = body;
	size_t blen;
	int c, status, i;

	body[0] = '\0';
	optind = 1;
	while ((c = getopt_long(argc, argv, "+l:h", lo, NULL)) != -1) {
		if (c == 'l') {
			listen = optarg;
		} else if (c == 'h') {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[0], "status") || !strcmp(argv[0], "metrics")) {
		method = "GET";
		path = argv[0][0] == 's' ? "/status" : "/metrics";
	} else if (!strcmp(argv[0], "goal") && argc == 3) {
		char *e1, *e2;
		double x = strtod(argv[1], &e1), y = strtod(argv[2], &e2);

		if (*e1 || *e2) {
			fprintf(stderr, "spinal-agent ctl: goal X Y takes two numbers\n");
			return 2;
		}
		path = "/goal";
		snprintf(body, sizeof(body), "{\"x\":%.17g,\"y\":%.17g}", x, y);
	} else if (!strcmp(argv[0], "goal-node") && argc == 2) {
		path = "/goal";
		snprintf(body, sizeof(body), "{\"node\":%ld}", strtol(argv[1], NULL, 10));
	} else if (!strcmp(argv[0], "estop")) {
		path = "/estop";
		if (argc > 1 && !json_escape(esc, sizeof(esc), argv[1]))
			snprintf(body, sizeof(body), "{\"reason\":\"%s\"}", esc);
	} else if (!strcmp(argv[0], "estop-clear")) {
		path = "/estop/clear";
	} else if (!strcmp(argv[0], "params") && argc >= 2) {
		size_t o = 0;

		path = "/params";
		o += (size_t)snprintf(body, sizeof(body), "{");
		for (i = 1; i < argc && o < sizeof(body); i++) {
			char *eq = strchr(argv[i], '=');

			if (!eq) {
				fprintf(stderr, "spinal-agent ctl: params takes KEY=VALUE pairs\n");
				return 2;
			}
			*eq = '\0';
			if (json_escape(esc, sizeof(esc), argv[i]))
				return 2;
			o += (size_t)snprintf(body + o, sizeof(body) - o, "%s\"%s\":%s",
					      i > 1 ? "," : "", esc, eq + 1);
		}
		if (o < sizeof(body))
			snprintf(body + o, sizeof(body) - o, "}");
	} else if (!strcmp(argv[0], "graph") && argc == 2) {
		path = "/graph";
		fbody = read_file(argv[1], &blen);
		if (!fbody) {
			fprintf(stderr, "spinal-agent ctl: cannot read %s: %s\n", argv[1], strerror(errno));
			return 2;
		}
		b = fbody;
	} else if (!strcmp(argv[0], "model") && (argc == 2 || argc == 3)) {
		char abs[4096];

		/* the agent opens the file: give it a path that does not depend on our cwd */
		path = "/model";
		if (!realpath(argv[1], abs))
			snprintf(abs, sizeof(abs), "%s", argv[1]);
		if (json_escape(esc, sizeof(esc), abs))
			return 2;
		if (argc == 3)
			snprintf(body, sizeof(body), "{\"path\":\"%s\",\"dt\":%s}", esc, argv[2]);
		else
			snprintf(body, sizeof(body), "{\"path\":\"%s\"}", esc);
	} else if (!strcmp(argv[0], "raw") && (argc == 3 || argc == 4)) {
		method = argv[1];
		path = argv[2];
		snprintf(body, sizeof(body), "%s", argc == 4 ? argv[3] : "");
	} else {
		fprintf(stderr, "spinal-agent ctl: unknown command or wrong arguments: %s\n", argv[0]);
		usage(stderr);
		return 2;
	}
	if (!fbody)
		blen = strlen(body);
	status = ctl_request(listen, method, path, b, blen);
	free(fbody);
	if (status < 0) {
		fprintf(stderr, "spinal-agent ctl: cannot reach the agent at %s: %s; is spinal-agent running with --listen %s?\n",
			listen, strerror(-status), listen);
		return 2;
	}
	return status >= 200 && status < 300 ? 0 : 1;
}
