// SPDX-License-Identifier: MIT
/*
 * Region handoff, core side: sealed memfd regions and the socket server that
 * passes their descriptors to the agent (some writable) and to inspectors
 * (read-only).  Who the peer is comes from SO_PEERCRED/SO_PEERGROUPS only.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <spinal/handoff.h>
#include <spinal/shm.h>

#include "rtcore/handoff.h"
#include "rtcore/rtsetup.h"

#define HANDOFF_REGIONS 4
#define HANDOFF_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)
#define HANDOFF_STACK (128u << 10)
#define HANDOFF_MAX_GROUPS 64

struct handoff_region {
	uint32_t kind;
	int rw_fd;
	int ro_fd;
};

struct handoff {
	struct handoff_cfg cfg;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char agent_user[64];
	uid_t agent_uid;
	gid_t agent_gid;
	gid_t group_gid;
	int have_group;
	uid_t core_uid_at_create;
	struct handoff_region reg[HANDOFF_REGIONS];
	unsigned int nreg;
	int lfd;
	int thread_started;
	pthread_t thread;
	atomic_int stop;
	_Atomic uint64_t served_agent, served_inspector, refused;
};

struct handoff *handoff_create(const struct handoff_cfg *cfg, char *err, size_t errlen)
{
	const char *user = cfg->agent_user ? cfg->agent_user : SPINAL_GROUP;
	const char *group = cfg->group ? cfg->group : SPINAL_GROUP;
	struct sockaddr_un sun;
	struct handoff *h;
	struct passwd *pw;
	struct group *gr;

	if (!cfg->path || !cfg->path[0] || strlen(cfg->path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "--socket: path missing or longer than %zu bytes",
			 sizeof(sun.sun_path) - 1);
		errno = ENAMETOOLONG;
		return NULL;
	}
	pw = getpwnam(user);
	if (!pw) {
		snprintf(err, errlen, "--agent-user '%s' does not exist: create it (deploy/sysusers.d/spinal.conf) or name another user",
			 user);
		errno = ENOENT;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->cfg = *cfg;
	if (!h->cfg.mode)
		h->cfg.mode = 0660;
	snprintf(h->path, sizeof(h->path), "%s", cfg->path);
	snprintf(h->agent_user, sizeof(h->agent_user), "%s", pw->pw_name);
	h->agent_uid = pw->pw_uid;
	h->agent_gid = pw->pw_gid;
	gr = getgrnam(group);
	if (gr) {
		h->group_gid = gr->gr_gid;
		h->have_group = 1;
	} else if (cfg->group) {
		snprintf(err, errlen, "--socket-group '%s' does not exist", group);
		free(h);
		errno = ENOENT;
		return NULL;
	}
	h->core_uid_at_create = geteuid();
	h->lfd = -1;
	return h;
}

int handoff_region_create(struct handoff *h, struct core_region *r, const char *instance,
			  uint32_t kind, const struct core_sect_spec *spec, unsigned int n,
			  char *err, size_t errlen)
{
	struct handoff_region *hr;
	char name[64], proc[64];
	int fd, ro, rc;

	memset(r, 0, sizeof(*r));
	if (h->nreg >= HANDOFF_REGIONS || !spinal_region_suffix(kind) ||
	    !spinal_instance_valid(instance)) {
		snprintf(err, errlen, "internal: bad handoff region %u", kind);
		return -EINVAL;
	}
	snprintf(name, sizeof(name), "spinal.%s.%s", instance, spinal_region_suffix(kind));
	snprintf(r->path, sizeof(r->path), "memfd:%s", name);
	fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot create %s: %s (memfd_create needs Linux >= 3.17)",
			 r->path, strerror(-rc));
		return rc;
	}
	/* memfds start 0777: a peer could reopen a read-only one writable via /proc */
	if (fchmod(fd, 0600) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot restrict %s to mode 0600: %s", r->path, strerror(-rc));
		goto out_close;
	}
	rc = core_region_format(r, fd, instance, kind, spec, n, err, errlen);
	if (rc)
		goto out_close;
	if (fcntl(fd, F_ADD_SEALS, HANDOFF_SEALS) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot seal %s: %s", r->path, strerror(-rc));
		goto out_unmap;
	}
	/* a separate open file, read-only: PROT_WRITE on it is refused (EACCES) */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	ro = open(proc, O_RDONLY | O_CLOEXEC);
	if (ro < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot reopen %s read-only through %s: %s (is /proc mounted?)",
			 r->path, proc, strerror(-rc));
		goto out_unmap;
	}
	hr = &h->reg[h->nreg++];
	hr->kind = kind;
	hr->rw_fd = fd;
	hr->ro_fd = ro;
	return 0;

out_unmap:
	core_region_close(r, 0);
out_close:
	close(fd);
	return rc;
}

/* Is a live server answering on @path?  1 yes, 0 no (stale or absent). */
static int socket_live(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), live;

	if (fd < 0)
		return 0;
	live = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	return live;
}

int handoff_listen(struct handoff *h, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int fd, rc;

	memcpy(sun.sun_path, h->path, strlen(h->path) + 1);
	if (lstat(h->path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "--socket %s exists and is not a socket: remove it or choose another path",
				 h->path);
			return -EEXIST;
		}
		if (socket_live(&sun)) {
			snprintf(err, errlen, "another spinal-core already serves %s: stop it or choose another --socket",
				 h->path);
			return -EBUSY;
		}
		unlink(h->path); /* stale, from a core that died */
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot create the handoff socket: %s", strerror(-rc));
		return rc;
	}
	/* never visible with a wider mode than asked, not even briefly */
	old = umask(0777 & ~h->cfg.mode);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot bind %s: %s (does the directory exist and belong to the core's user? see deploy/tmpfiles.d/spinal.conf)",
			 h->path, strerror(-rc));
		goto out_close;
	}
	if (chmod(h->path, h->cfg.mode) < 0 ||
	    (h->have_group && chown(h->path, (uid_t)-1, h->group_gid) < 0)) {
		rc = -errno;
		snprintf(err, errlen, "cannot set mode %04o / group on %s: %s", (unsigned int)h->cfg.mode,
			 h->path, strerror(-rc));
		goto out_unlink;
	}
	if (listen(fd, 8) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot listen on %s: %s", h->path, strerror(-rc));
		goto out_unlink;
	}
	h->lfd = fd;
	return 0;

out_unlink:
	unlink(h->path);
out_close:
	close(fd);
	return rc;
}

static int peer_in_group(int cfd, gid_t gid, gid_t primary)
{
	gid_t groups[HANDOFF_MAX_GROUPS];
	socklen_t len = sizeof(groups);
	unsigned int i;

	if (primary == gid)
		return 1;
	if (getsockopt(cfd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return 0;
	for (i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == gid)
			return 1;
	return 0;
}

/*
 * May @cred have @role?  Fills which descriptors it gets.  Returns 0 or
 * -EACCES with a reason in @msg.
 */
static int authorize(const struct handoff *h, int cfd, const struct ucred *cred, unsigned int role,
		     struct spinal_handoff_resp *resp, int *fds, char *msg, size_t msglen)
{
	unsigned int i, n = 0;

	if (role == SPINAL_ROLE_AGENT) {
		if (cred->uid != h->agent_uid) {
			snprintf(msg, msglen, "uid %u is not the agent user '%s' (uid %u)",
				 (unsigned int)cred->uid, h->agent_user, (unsigned int)h->agent_uid);
			return -EACCES;
		}
	} else if (role == SPINAL_ROLE_INSPECTOR) {
		if (cred->uid != 0 && cred->uid != geteuid() && cred->uid != h->agent_uid &&
		    !(h->have_group && peer_in_group(cfd, h->group_gid, cred->gid))) {
			snprintf(msg, msglen, "uid %u gid %u is not in the '%s' group",
				 (unsigned int)cred->uid, (unsigned int)cred->gid,
				 h->cfg.group ? h->cfg.group : SPINAL_GROUP);
			return -EACCES;
		}
	} else {
		snprintf(msg, msglen, "unknown role %u", role);
		return -EPROTO;
	}
	for (i = 0; i < h->nreg; i++) {
		const struct handoff_region *r = &h->reg[i];
		int rw = role == SPINAL_ROLE_AGENT &&
			 (r->kind == SPINAL_REGION_CONS || r->kind == SPINAL_REGION_CFG);

		if (role == SPINAL_ROLE_INSPECTOR && r->kind == SPINAL_REGION_CFG)
			continue;
		resp->kind[n] = r->kind;
		if (rw)
			resp->writable |= 1u << n;
		fds[n++] = rw ? r->rw_fd : r->ro_fd;
	}
	resp->nfds = (uint16_t)n;
	return 0;
}

static int send_resp(int cfd, const struct spinal_handoff_resp *resp, const int *fds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * SPINAL_HANDOFF_MAX_FDS)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { (void *)resp, sizeof(*resp) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	ssize_t n;

	if (resp->nfds) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * resp->nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * resp->nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * resp->nfds);
	}
	n = sendmsg(cfd, &mh, MSG_NOSIGNAL);
	return n == (ssize_t)sizeof(*resp) ? 0 : -EIO;
}

static const char *role_name(unsigned int role)
{
	return role == SPINAL_ROLE_AGENT ? "agent" :
	       role == SPINAL_ROLE_INSPECTOR ? "inspector" : "unknown role";
}

static void serve(struct handoff *h, int cfd)
{
	struct timeval tv = { 1, 0 };
	struct spinal_handoff_req req;
	struct spinal_handoff_resp resp;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	int fds[SPINAL_HANDOFF_MAX_FDS];
	unsigned int i, role = 0;
	char msg[sizeof(resp.msg)] = "";
	ssize_t n;
	int rc;

	memset(&resp, 0, sizeof(resp));
	resp.magic = SPINAL_HANDOFF_MAGIC;
	resp.version = SPINAL_HANDOFF_VERSION;
	resp.core_pid = getpid();
	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0)
		return;
	/* a silent peer holds the server for at most a second */
	setsockopt(cfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(cfd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	n = recv(cfd, &req, sizeof(req), MSG_WAITALL);
	if (n != (ssize_t)sizeof(req) || req.magic != SPINAL_HANDOFF_MAGIC ||
	    req.version != SPINAL_HANDOFF_VERSION) {
		snprintf(msg, sizeof(msg), "malformed request (%zd bytes; wrong magic or version?)", n);
		rc = -EPROTO;
	} else {
		rc = 0;
		for (i = 0; i < sizeof(req.reserved) / sizeof(req.reserved[0]); i++)
			if (req.reserved[i])
				rc = -EPROTO;
		role = req.role;
		if (rc)
			snprintf(msg, sizeof(msg), "reserved request fields not zero");
		else
			rc = authorize(h, cfd, &cred, role, &resp, fds, msg, sizeof(msg));
	}
	resp.status = rc;
	if (rc) {
		uint64_t k = atomic_fetch_add(&h->refused, 1);

		resp.nfds = 0;
		resp.writable = 0;
		memset(resp.kind, 0, sizeof(resp.kind));
		snprintf(resp.msg, sizeof(resp.msg), "%s", msg);
		if (k < 10 || k % 1000 == 0)
			core_log("handoff: refused pid %d uid %u gid %u as %s: %s (refusal %llu)",
				 (int)cred.pid, (unsigned int)cred.uid, (unsigned int)cred.gid,
				 role_name(role), msg, (unsigned long long)k + 1);
		send_resp(cfd, &resp, fds);
		return;
	}
	if (send_resp(cfd, &resp, fds))
		return;
	atomic_fetch_add(role == SPINAL_ROLE_AGENT ? &h->served_agent : &h->served_inspector, 1);
	if (!h->cfg.quiet)
		core_log("handoff: %s pid %d uid %u attached (%u descriptors, %s)", role_name(role),
			 (int)cred.pid, (unsigned int)cred.uid, (unsigned int)resp.nfds,
			 resp.writable ? "CONS and CFG writable" : "all read-only");
}

static void *handoff_thread(void *arg)
{
	struct handoff *h = arg;

	pthread_setname_np(pthread_self(), "spinal-handoff");
	while (!atomic_load_explicit(&h->stop, memory_order_relaxed)) {
		struct pollfd p = { .fd = h->lfd, .events = POLLIN };
		int cfd;

		if (poll(&p, 1, 200) <= 0)
			continue;
		cfd = accept4(h->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd < 0)
			continue;
		serve(h, cfd);
		close(cfd);
	}
	return NULL;
}

int handoff_start(struct handoff *h)
{
	pthread_attr_t attr;
	int rc;

	if (h->lfd < 0)
		return -EINVAL;
	rc = pthread_attr_init(&attr);
	if (rc)
		return -rc;
	pthread_attr_setstacksize(&attr, HANDOFF_STACK);
	rc = pthread_create(&h->thread, &attr, handoff_thread, h);
	pthread_attr_destroy(&attr);
	if (rc)
		return -rc;
	h->thread_started = 1;
	return 0;
}

void handoff_counts(const struct handoff *h, struct handoff_counts *c)
{
	c->served_agent = atomic_load(&h->served_agent);
	c->served_inspector = atomic_load(&h->served_inspector);
	c->refused = atomic_load(&h->refused);
}

void handoff_destroy(struct handoff *h)
{
	unsigned int i;

	if (!h)
		return;
	if (h->thread_started) {
		atomic_store(&h->stop, 1);
		pthread_join(h->thread, NULL);
	}
	if (h->lfd >= 0) {
		close(h->lfd);
		/* may fail after the privilege drop: the next core replaces it */
		if (!h->cfg.no_unlink)
			unlink(h->path);
	}
	for (i = 0; i < h->nreg; i++) {
		close(h->reg[i].rw_fd);
		close(h->reg[i].ro_fd);
	}
	free(h);
}
