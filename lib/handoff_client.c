// SPDX-License-Identifier: MIT
/* Region handoff, peer side: receive descriptors, map them, validate them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <spinal/region.h>
#include <spinal/shm.h>

#include "lib/handoff_client.h"

static int connect_to(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, e;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "socket path %s is too long", path);
		return -ENAMETOOLONG;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "cannot create a socket: %s", strerror(e));
		return -e;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		e = errno;
		if (e == ENOENT || e == ECONNREFUSED)
			snprintf(err, errlen, "no spinal-core serves %s (%s): start it with --socket %s",
				 path, strerror(e), path);
		else if (e == EACCES)
			snprintf(err, errlen, "cannot connect to %s: permission denied; join the '%s' group",
				 path, SPINAL_GROUP);
		else
			snprintf(err, errlen, "cannot connect to %s: %s", path, strerror(e));
		close(fd);
		return -e;
	}
	return fd;
}

int spinal_handoff_recv(const char *path, unsigned int role, struct spinal_handoff_resp *resp,
			int *fds, char *err, size_t errlen)
{
	struct spinal_handoff_req req = {
		.magic = SPINAL_HANDOFF_MAGIC, .version = SPINAL_HANDOFF_VERSION,
		.role = (uint16_t)role,
	};
	union {
		char buf[CMSG_SPACE(sizeof(int) * SPINAL_HANDOFF_MAX_FDS)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { resp, sizeof(*resp) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	struct timeval tv = { 5, 0 };
	struct cmsghdr *cm;
	int fd, nfds = 0, i;
	ssize_t n;

	fd = connect_to(path, err, errlen);
	if (fd < 0)
		return fd;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(fd, &req, sizeof(req), MSG_NOSIGNAL) != (ssize_t)sizeof(req)) {
		snprintf(err, errlen, "cannot send the handoff request to %s: %s", path,
			 strerror(errno));
		close(fd);
		return -EIO;
	}
	memset(resp, 0, sizeof(*resp));
	n = recvmsg(fd, &mh, MSG_WAITALL | MSG_CMSG_CLOEXEC);
	close(fd);
	for (cm = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL; cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			int k = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));

			for (i = 0; i < k; i++) {
				int f;

				memcpy(&f, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
				if (nfds < (int)SPINAL_HANDOFF_MAX_FDS)
					fds[nfds++] = f;
				else
					close(f);
			}
		}
	}
	if (n != (ssize_t)sizeof(*resp) || resp->magic != SPINAL_HANDOFF_MAGIC ||
	    (mh.msg_flags & MSG_CTRUNC)) {
		snprintf(err, errlen, "bad handoff reply from %s (%zd bytes): core and client from different builds?",
			 path, n);
		goto fail;
	}
	resp->msg[sizeof(resp->msg) - 1] = '\0';
	if (resp->status < 0) {
		snprintf(err, errlen, "spinal-core refused %s: %s", path, resp->msg);
		for (i = 0; i < nfds; i++)
			close(fds[i]);
		return resp->status;
	}
	if (resp->nfds != nfds) {
		snprintf(err, errlen, "handoff reply from %s announces %u descriptors, %d arrived",
			 path, resp->nfds, nfds);
		goto fail;
	}
	return nfds;
fail:
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	return -EPROTO;
}

int spinal_handoff_attach(const char *path, unsigned int role, struct spinal_handoff *h,
			  char *err, size_t errlen)
{
	struct spinal_handoff_resp resp;
	int fds[SPINAL_HANDOFF_MAX_FDS];
	int n, i, rc = 0;

	memset(h, 0, sizeof(*h));
	n = spinal_handoff_recv(path, role, &resp, fds, err, errlen);
	if (n < 0)
		return n;
	h->core_pid = resp.core_pid;
	for (i = 0; i < n; i++) {
		struct spinal_handoff_map *m = &h->map[h->n];
		int w = (resp.writable >> i) & 1;
		const char *why;
		struct stat st;

		if (rc)
			continue;
		if (fstat(fds[i], &st) < 0 || st.st_size < (off_t)sizeof(struct spinal_region_hdr)) {
			snprintf(err, errlen, "region %u from %s is too small", resp.kind[i], path);
			rc = -EBADMSG;
			continue;
		}
		m->base = mmap(NULL, (size_t)st.st_size, w ? PROT_READ | PROT_WRITE : PROT_READ,
			       MAP_SHARED, fds[i], 0);
		if (m->base == MAP_FAILED) {
			m->base = NULL;
			rc = -errno;
			snprintf(err, errlen, "cannot map region %s from %s: %s",
				 spinal_region_suffix(resp.kind[i]) ?: "?", path, strerror(-rc));
			continue;
		}
		m->len = (size_t)st.st_size;
		m->kind = resp.kind[i];
		m->writable = w;
		m->ino = st.st_ino;
		rc = spinal_region_check(m->base, m->len, m->kind, &why);
		if (rc && (m->kind == SPINAL_REGION_CONS || m->kind == SPINAL_REGION_CFG)) {
			/* the agent writes these: a broken one is its fault, not the core's */
			snprintf(err, errlen, "note: agent-written region %s from %s ignored: %s",
				 spinal_region_suffix(m->kind), path, why);
			munmap(m->base, m->len);
			memset(m, 0, sizeof(*m));
			h->ignored |= 1u << resp.kind[i];
			rc = 0;
			continue;
		}
		h->n++;
		if (rc)
			snprintf(err, errlen, "region %s from %s is not valid: %s",
				 spinal_region_suffix(m->kind) ?: "?", path, why);
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	if (rc)
		spinal_handoff_detach(h);
	return rc;
}

void *spinal_handoff_take(struct spinal_handoff *h, uint32_t kind, size_t *lenp)
{
	unsigned int i;
	void *p;

	for (i = 0; i < h->n; i++) {
		if (h->map[i].kind != kind || !h->map[i].base)
			continue;
		p = h->map[i].base;
		*lenp = h->map[i].len;
		h->map[i].base = NULL;
		return p;
	}
	return NULL;
}

void spinal_handoff_detach(struct spinal_handoff *h)
{
	unsigned int i;

	for (i = 0; i < h->n; i++)
		if (h->map[i].base)
			munmap(h->map[i].base, h->map[i].len);
	memset(h, 0, sizeof(*h));
}
