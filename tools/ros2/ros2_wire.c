// SPDX-License-Identifier: MIT
/* ROS 2 wire conventions over Cyclone DDS (see ros2_wire.h). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tools/ros2/ros2_wire.h"
#include "ros2_types.h" /* idlc output, build/gen/ros2/ */

/*
 * REP-2011 type hashes of ROS 2 Kilted (builtin_interfaces 2.3, std_msgs,
 * geometry_msgs, nav_msgs, diagnostic_msgs 5.5, rmw_dds_common 4.0), as the
 * packages ship them in share/PKG/msg/TYPE.json.  tests/ros2/typehash.py
 * recomputes each from ros2_types.idl and compares it with these strings
 * and with the installed packages.
 */
const struct r2_type r2_odometry = {
	"nav_msgs/msg/Odometry",
	"RIHS01_3cc97dc7fb7502f8714462c526d369e35b603cfc34d946e3f2eda2766dfec6e0",
	&nav_msgs_msg_dds__Odometry__desc,
};
const struct r2_type r2_twist = {
	"geometry_msgs/msg/Twist",
	"RIHS01_9c45bf16fe0983d80e3cfe750d6835843d265a9a6c46bd2e609fcddde6fb8d2a",
	&geometry_msgs_msg_dds__Twist__desc,
};
const struct r2_type r2_twist_stamped = {
	"geometry_msgs/msg/TwistStamped",
	"RIHS01_5f0fcd4f81d5d06ad9b4c4c63e3ea51b82d6ae4d0558f1d475229b1121db6f64",
	&geometry_msgs_msg_dds__TwistStamped__desc,
};
const struct r2_type r2_pose_stamped = {
	"geometry_msgs/msg/PoseStamped",
	"RIHS01_10f3786d7d40fd2b54367835614bff85d4ad3b5dab62bf8bca0cc232d73b4cd8",
	&geometry_msgs_msg_dds__PoseStamped__desc,
};
const struct r2_type r2_diagnostic_array = {
	"diagnostic_msgs/msg/DiagnosticArray",
	"RIHS01_5a8a36efb05fb25070fa0fb3810290c0e6cd4862b54a8fb975a1ee8dc55a333e",
	&diagnostic_msgs_msg_dds__DiagnosticArray__desc,
};
const struct r2_type r2_string = {
	"std_msgs/msg/String",
	"RIHS01_df668c740482bbd48fb39d76a70dfd4bd59db1288021743503259e948f6b1a18",
	&std_msgs_msg_dds__String__desc,
};
const struct r2_type r2_participant_entities_info = {
	"rmw_dds_common/msg/ParticipantEntitiesInfo",
	"RIHS01_91a0593bacdcc50ea9bdcf849a938b128412cc1ea821245c663bcd26f83c295e",
	&rmw_dds_common_msg_dds__ParticipantEntitiesInfo__desc,
};

#define R2_MAX_EP 16
#define R2_SEEN 256

struct r2_ep {
	struct r2_node *node;
	dds_entity_t ent, topic;
	const struct r2_type *type;
	char dds_name[256];
	char ros_name[256];
	struct r2_qos qos;
	int writer;
	uint8_t gid[16];
	r2_data_fn on_data;
	void *arg;
	int32_t matched;
};

struct r2_node {
	dds_entity_t pp, disc_w, disc_t, bi_pub, bi_sub;
	uint8_t gid[16];
	char ns[256], name[256], fqn[512];
	void (*log)(const char *fmt, ...);
	struct r2_ep ep[R2_MAX_EP];
	unsigned int nep;
	struct r2_counters ctr;
	pthread_mutex_t seen_lock; /* Cyclone's builtin-topic listeners only */
	dds_guid_t seen[R2_SEEN];
	unsigned int nseen;
};

static void inc(_Atomic uint64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

void r2_now(int32_t *sec, uint32_t *nsec)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	*sec = (int32_t)ts.tv_sec;
	*nsec = (uint32_t)ts.tv_nsec;
}

int r2_qos_parse(const char *s, struct r2_qos *q, char *err, size_t errlen)
{
	char buf[128], *tok, *save = NULL, *end;
	int seen_rel = 0, seen_dur = 0, seen_depth = 0;
	long d;

	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, errlen, "QoS '%s' too long", s);
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "reliable") || !strcmp(tok, "best_effort")) {
			if (seen_rel++)
				goto dup;
			q->reliable = tok[0] == 'r';
		} else if (!strcmp(tok, "volatile") || !strcmp(tok, "transient_local")) {
			if (seen_dur++)
				goto dup;
			q->transient_local = tok[0] == 't';
		} else {
			errno = 0;
			d = strtol(tok, &end, 10);
			if (errno || end == tok || *end || d < 1 || d > 1000) {
				snprintf(err, errlen, "QoS item '%s' is none of reliable, best_effort, volatile, transient_local or a depth 1..1000",
					 tok);
				return -EINVAL;
			}
			if (seen_depth++)
				goto dup;
			q->depth = (int)d;
		}
	}
	return 0;
dup:
	snprintf(err, errlen, "QoS '%s' sets a policy twice", s);
	return -EINVAL;
}

const char *r2_qos_str(const struct r2_qos *q, char *buf, size_t len)
{
	snprintf(buf, len, "%s,%s,%d", q->reliable ? "reliable" : "best_effort",
		 q->transient_local ? "transient_local" : "volatile", q->depth);
	return buf;
}

static int name_ok(const char *s)
{
	const char *p;

	if (!*s || (*s >= '0' && *s <= '9'))
		return 0;
	for (p = s; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '/'))
			return 0;
		if (*p == '/' && (p[1] == '/' || p[1] == '\0'))
			return 0;
		if (*p == '/' && p[1] >= '0' && p[1] <= '9')
			return 0;
	}
	return 1;
}

int r2_topic_name(const char *ns, const char *topic, char *dds, size_t ddslen, char *ros,
		  size_t roslen)
{
	char full[256];
	int n;

	if (!name_ok(topic) || (ns[0] != '/') || (strcmp(ns, "/") && !name_ok(ns + 1)))
		return -EINVAL;
	if (topic[0] == '/')
		n = snprintf(full, sizeof(full), "%s", topic);
	else
		n = snprintf(full, sizeof(full), "%s/%s", strcmp(ns, "/") ? ns : "", topic);
	if (n < 0 || (size_t)n >= sizeof(full))
		return -ENAMETOOLONG;
	if (ros && (size_t)snprintf(ros, roslen, "%s", full) >= roslen)
		return -ENAMETOOLONG;
	n = snprintf(dds, ddslen, "rt%s", full);
	return n < 0 || (size_t)n >= ddslen ? -ENAMETOOLONG : 0;
}

static const char *policy_name(uint32_t id)
{
	switch (id) {
	case DDS_RELIABILITY_QOS_POLICY_ID: return "RELIABILITY";
	case DDS_DURABILITY_QOS_POLICY_ID: return "DURABILITY";
	case DDS_HISTORY_QOS_POLICY_ID: return "HISTORY";
	case DDS_DEADLINE_QOS_POLICY_ID: return "DEADLINE";
	case DDS_LIVELINESS_QOS_POLICY_ID: return "LIVELINESS";
	case DDS_OWNERSHIP_QOS_POLICY_ID: return "OWNERSHIP";
	case DDS_PRESENTATION_QOS_POLICY_ID: return "PRESENTATION";
	case DDS_DESTINATIONORDER_QOS_POLICY_ID: return "DESTINATION_ORDER";
	case DDS_DATA_REPRESENTATION_QOS_POLICY_ID: return "DATA_REPRESENTATION (XCDR1 vs XCDR2)";
	case DDS_TYPE_CONSISTENCY_ENFORCEMENT_QOS_POLICY_ID: return "TYPE_CONSISTENCY";
	case DDS_PARTITION_QOS_POLICY_ID: return "PARTITION";
	default: return "a QoS policy";
	}
}

static void on_req_incompat(dds_entity_t rd, const dds_requested_incompatible_qos_status_t st,
			    void *arg)
{
	struct r2_ep *e = arg;
	char q[64];

	(void)rd;
	if (st.total_count_change <= 0)
		return;
	inc(&e->node->ctr.incompatible_qos);
	e->node->log("%s: a publisher's QoS is incompatible with this subscription (%s; we request %s): no data from it; make the publisher's QoS match or change the bridge's (--odom-qos, --goal-qos) (%u so far)",
		     e->ros_name, policy_name(st.last_policy_id), r2_qos_str(&e->qos, q, sizeof(q)),
		     st.total_count);
}

static void on_off_incompat(dds_entity_t wr, const dds_offered_incompatible_qos_status_t st,
			    void *arg)
{
	struct r2_ep *e = arg;
	char q[64];

	(void)wr;
	if (st.total_count_change <= 0)
		return;
	inc(&e->node->ctr.incompatible_qos);
	e->node->log("%s: a subscriber requests QoS this publisher cannot give (%s; we offer %s): it gets nothing from us; relax the subscriber's QoS or change the bridge's (%u so far)",
		     e->ros_name, policy_name(st.last_policy_id), r2_qos_str(&e->qos, q, sizeof(q)),
		     st.total_count);
}

static void on_pub_matched(dds_entity_t wr, const dds_publication_matched_status_t st, void *arg)
{
	struct r2_ep *e = arg;

	(void)wr;
	atomic_fetch_add_explicit(&e->node->ctr.matched, (uint64_t)(int64_t)st.current_count_change,
				  memory_order_relaxed);
	e->matched = (int32_t)st.current_count;
	e->node->log("%s: %u subscriber%s matched", e->ros_name, st.current_count,
		     st.current_count == 1 ? "" : "s");
}

static void on_sub_matched(dds_entity_t rd, const dds_subscription_matched_status_t st, void *arg)
{
	struct r2_ep *e = arg;

	(void)rd;
	atomic_fetch_add_explicit(&e->node->ctr.matched, (uint64_t)(int64_t)st.current_count_change,
				  memory_order_relaxed);
	e->matched = (int32_t)st.current_count;
	e->node->log("%s: %u publisher%s matched", e->ros_name, st.current_count,
		     st.current_count == 1 ? "" : "s");
}

static void on_data(dds_entity_t rd, void *arg)
{
	struct r2_ep *e = arg;

	e->on_data(rd, e->arg);
}

static void set_userdata_hash(dds_qos_t *q, const struct r2_type *t)
{
	char ud[128];
	int n = snprintf(ud, sizeof(ud), "typehash=%s;", t->hash);

	dds_qset_userdata(q, ud, (size_t)n);
}

static dds_qos_t *ep_qos(const struct r2_qos *rq, const struct r2_type *t)
{
	dds_qos_t *q = dds_create_qos();
	dds_data_representation_id_t rep = DDS_DATA_REPRESENTATION_XCDR1;

	dds_qset_reliability(q, rq->reliable ? DDS_RELIABILITY_RELIABLE : DDS_RELIABILITY_BEST_EFFORT,
			     DDS_MSECS(100));
	dds_qset_durability(q, rq->transient_local ? DDS_DURABILITY_TRANSIENT_LOCAL
						   : DDS_DURABILITY_VOLATILE);
	dds_qset_history(q, DDS_HISTORY_KEEP_LAST, rq->depth);
	/* plain CDR, as both ROS 2 RMWs send @final types */
	dds_qset_data_representation(q, 1, &rep);
	set_userdata_hash(q, t);
	return q;
}

static struct r2_ep *ep_new(struct r2_node *n, const struct r2_type *type, const char *topic,
			    const struct r2_qos *q, char *err, size_t errlen)
{
	struct r2_ep *e;
	int rc;

	if (n->nep >= R2_MAX_EP) {
		snprintf(err, errlen, "too many endpoints");
		return NULL;
	}
	e = &n->ep[n->nep];
	memset(e, 0, sizeof(*e));
	rc = r2_topic_name(n->ns, topic, e->dds_name, sizeof(e->dds_name), e->ros_name,
			   sizeof(e->ros_name));
	if (rc) {
		snprintf(err, errlen, "invalid ROS topic name '%s' (namespace '%s')", topic, n->ns);
		return NULL;
	}
	e->node = n;
	e->type = type;
	e->qos = *q;
	e->topic = dds_create_topic(n->pp, type->desc, e->dds_name, NULL, NULL);
	if (e->topic < 0) {
		snprintf(err, errlen, "cannot create DDS topic %s: %s", e->dds_name,
			 dds_strretcode(e->topic));
		return NULL;
	}
	return e;
}

static void ep_gid(struct r2_ep *e)
{
	dds_guid_t g;

	if (dds_get_guid(e->ent, &g) == DDS_RETCODE_OK)
		memcpy(e->gid, g.v, sizeof(e->gid));
}

dds_entity_t r2_reader(struct r2_node *n, const struct r2_type *type, const char *topic,
		       const struct r2_qos *q, r2_data_fn fn, void *arg, char *err, size_t errlen)
{
	struct r2_ep *e = ep_new(n, type, topic, q, err, errlen);
	dds_listener_t *l;
	dds_qos_t *qos;

	if (!e)
		return DDS_RETCODE_BAD_PARAMETER;
	e->on_data = fn;
	e->arg = arg;
	qos = ep_qos(q, type);
	l = dds_create_listener(e);
	if (fn)
		dds_lset_data_available(l, on_data);
	dds_lset_requested_incompatible_qos(l, on_req_incompat);
	dds_lset_subscription_matched(l, on_sub_matched);
	e->ent = dds_create_reader(n->pp, e->topic, qos, l);
	dds_delete_listener(l);
	dds_delete_qos(qos);
	if (e->ent < 0) {
		snprintf(err, errlen, "cannot create a reader on %s: %s", e->dds_name,
			 dds_strretcode(e->ent));
		return e->ent;
	}
	ep_gid(e);
	n->nep++;
	return e->ent;
}

dds_entity_t r2_writer(struct r2_node *n, const struct r2_type *type, const char *topic,
		       const struct r2_qos *q, char *err, size_t errlen)
{
	struct r2_ep *e = ep_new(n, type, topic, q, err, errlen);
	dds_listener_t *l;
	dds_qos_t *qos;

	if (!e)
		return DDS_RETCODE_BAD_PARAMETER;
	e->writer = 1;
	qos = ep_qos(q, type);
	l = dds_create_listener(e);
	dds_lset_offered_incompatible_qos(l, on_off_incompat);
	dds_lset_publication_matched(l, on_pub_matched);
	e->ent = dds_create_writer(n->pp, e->topic, qos, l);
	dds_delete_listener(l);
	dds_delete_qos(qos);
	if (e->ent < 0) {
		snprintf(err, errlen, "cannot create a writer on %s: %s", e->dds_name,
			 dds_strretcode(e->ent));
		return e->ent;
	}
	ep_gid(e);
	n->nep++;
	return e->ent;
}

/* Seen this remote endpoint before?  Remembers it.  Builtin listener threads. */
static int seen_before(struct r2_node *n, const dds_guid_t *k)
{
	unsigned int i;
	int seen = 0;

	pthread_mutex_lock(&n->seen_lock);
	for (i = 0; i < n->nseen && i < R2_SEEN; i++)
		if (!memcmp(n->seen[i].v, k->v, sizeof(k->v)))
			seen = 1;
	if (!seen)
		n->seen[n->nseen++ % R2_SEEN] = *k;
	pthread_mutex_unlock(&n->seen_lock);
	return seen;
}

/* "typehash=RIHS01_...;" out of USER_DATA into @out (empty: none). */
static void userdata_hash(const dds_qos_t *q, char *out, size_t len)
{
	void *v = NULL;
	size_t sz = 0;
	const char *p, *s;

	out[0] = '\0';
	if (!q || !dds_qget_userdata(q, &v, &sz) || !v)
		return;
	s = v;
	for (p = s; p && (size_t)(p - s) < sz; p = memchr(p, ';', sz - (size_t)(p - s)),
	     p = p ? p + 1 : NULL) {
		size_t left = sz - (size_t)(p - s), n = 0;

		if (left > 9 && !memcmp(p, "typehash=", 9)) {
			p += 9;
			left -= 9;
			while (n < left && p[n] != ';' && n + 1 < len)
				n++;
			memcpy(out, p, n);
			out[n] = '\0';
			break;
		}
	}
	dds_free(v);
}

/* A remote endpoint appeared: is it on one of our topics, with our type and hash? */
static void check_endpoint(struct r2_node *n, const dds_builtintopic_endpoint_t *b, int remote_writer)
{
	char hash[96];
	unsigned int i;

	if (!memcmp(b->participant_key.v, n->gid, 12) || !b->topic_name)
		return; /* our own participant (GUID prefix) */
	for (i = 0; i < n->nep; i++) {
		struct r2_ep *e = &n->ep[i];

		if (strcmp(e->dds_name, b->topic_name))
			continue;
		if (seen_before(n, &b->key))
			return;
		if (e->writer && remote_writer) {
			n->log("warning: %s has another publisher (%s): two nodes command the same topic",
			       e->ros_name, b->type_name ? b->type_name : "?");
			return;
		}
		if (!b->type_name || strcmp(b->type_name, e->type->desc->m_typename)) {
			inc(&n->ctr.type_mismatch);
			n->log("%s: a remote %s uses type %s, the bridge %s: they never match; fix the topic or the type",
			       e->ros_name, remote_writer ? "publisher" : "subscriber",
			       b->type_name ? b->type_name : "?", e->type->desc->m_typename);
			return;
		}
		userdata_hash(b->qos, hash, sizeof(hash));
		if (!hash[0]) {
			inc(&n->ctr.typehash_absent);
		} else if (strcmp(hash, e->type->hash)) {
			inc(&n->ctr.typehash_mismatch);
			n->log("%s: a remote %s announces type hash %s, the bridge speaks %s (%s of ROS 2 Kilted): the message definitions differ; check the ROS distribution",
			       e->ros_name, remote_writer ? "publisher" : "subscriber", hash,
			       e->type->hash, e->type->ros_name);
		} else {
			inc(&n->ctr.typehash_ok);
		}
		return;
	}
}

static void on_builtin(dds_entity_t rd, void *arg, int remote_writer)
{
	struct r2_node *n = arg;
	void *s[8] = { NULL };
	dds_sample_info_t si[8];
	int k, i;

	while ((k = dds_take(rd, s, si, 8, 8)) > 0) {
		for (i = 0; i < k; i++)
			if (si[i].valid_data && si[i].instance_state == DDS_ALIVE_INSTANCE_STATE)
				check_endpoint(n, s[i], remote_writer);
		dds_return_loan(rd, s, k);
	}
}

static void on_builtin_pub(dds_entity_t rd, void *arg)
{
	on_builtin(rd, arg, 1);
}

static void on_builtin_sub(dds_entity_t rd, void *arg)
{
	on_builtin(rd, arg, 0);
}

struct r2_node *r2_node_create(uint32_t domain, const char *ns, const char *name,
			       void (*log)(const char *fmt, ...), char *err, size_t errlen)
{
	struct r2_node *n;
	dds_qos_t *q;
	dds_guid_t g;

	if (domain > 232) {
		snprintf(err, errlen, "ROS domain id %u outside 0..232", domain);
		errno = EINVAL;
		return NULL;
	}
	if (ns[0] != '/' || (strcmp(ns, "/") && !name_ok(ns + 1)) || strlen(ns) > 256) {
		snprintf(err, errlen, "invalid ROS namespace '%s': /, or /a/b of [A-Za-z0-9_]", ns);
		errno = EINVAL;
		return NULL;
	}
	if (!name_ok(name) || strchr(name, '/') || strlen(name) > 256) {
		snprintf(err, errlen, "invalid ROS node name '%s': [A-Za-z0-9_], not starting with a digit",
			 name);
		errno = EINVAL;
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (!n) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&n->seen_lock, NULL);
	n->log = log;
	snprintf(n->ns, sizeof(n->ns), "%s", ns);
	snprintf(n->name, sizeof(n->name), "%s", name);
	snprintf(n->fqn, sizeof(n->fqn), "%s/%s", strcmp(ns, "/") ? ns : "", name);
	q = dds_create_qos();
	/* what rmw puts in the participant's USER_DATA */
	dds_qset_userdata(q, "enclave=/;", 10);
	n->pp = dds_create_participant(domain, q, NULL);
	dds_delete_qos(q);
	if (n->pp < 0) {
		snprintf(err, errlen, "cannot create a DDS participant in domain %u: %s (CYCLONEDDS_URI set right?)",
			 domain, dds_strretcode(n->pp));
		free(n);
		errno = EIO;
		return NULL;
	}
	if (dds_get_guid(n->pp, &g) == DDS_RETCODE_OK)
		memcpy(n->gid, g.v, sizeof(n->gid));
	return n;
}

int r2_node_announce(struct r2_node *n, char *err, size_t errlen)
{
	rmw_dds_common_msg_dds__ParticipantEntitiesInfo_ m;
	rmw_dds_common_msg_dds__NodeEntitiesInfo_ node;
	rmw_dds_common_msg_dds__Gid_ rg[R2_MAX_EP], wg[R2_MAX_EP];
	struct r2_qos q = { .reliable = 1, .transient_local = 1, .depth = 1 };
	dds_listener_t *l;
	dds_qos_t *qos;
	unsigned int i, nr = 0, nw = 0;
	int rc;

	n->disc_t = dds_create_topic(n->pp, r2_participant_entities_info.desc, "ros_discovery_info",
				     NULL, NULL);
	if (n->disc_t < 0) {
		snprintf(err, errlen, "cannot create topic ros_discovery_info: %s",
			 dds_strretcode(n->disc_t));
		return n->disc_t;
	}
	qos = ep_qos(&q, &r2_participant_entities_info);
	n->disc_w = dds_create_writer(n->pp, n->disc_t, qos, NULL);
	dds_delete_qos(qos);
	if (n->disc_w < 0) {
		snprintf(err, errlen, "cannot create the ros_discovery_info writer: %s",
			 dds_strretcode(n->disc_w));
		return n->disc_w;
	}
	memset(&m, 0, sizeof(m));
	memset(&node, 0, sizeof(node));
	memcpy(m.gid.data, n->gid, sizeof(m.gid.data));
	snprintf(node.node_namespace, sizeof(node.node_namespace), "%s", n->ns);
	snprintf(node.node_name, sizeof(node.node_name), "%s", n->name);
	for (i = 0; i < n->nep; i++) {
		if (n->ep[i].writer)
			memcpy(wg[nw++].data, n->ep[i].gid, 16);
		else
			memcpy(rg[nr++].data, n->ep[i].gid, 16);
	}
	node.reader_gid_seq._length = node.reader_gid_seq._maximum = nr;
	node.reader_gid_seq._buffer = rg;
	node.writer_gid_seq._length = node.writer_gid_seq._maximum = nw;
	node.writer_gid_seq._buffer = wg;
	m.node_entities_info_seq._length = m.node_entities_info_seq._maximum = 1;
	m.node_entities_info_seq._buffer = &node;
	rc = dds_write(n->disc_w, &m);
	if (rc < 0) {
		snprintf(err, errlen, "cannot publish on ros_discovery_info: %s", dds_strretcode(rc));
		return rc;
	}
	/* from now on, check every endpoint that shows up on our topics */
	l = dds_create_listener(n);
	dds_lset_data_available(l, on_builtin_pub);
	n->bi_pub = dds_create_reader(n->pp, DDS_BUILTIN_TOPIC_DCPSPUBLICATION, NULL, l);
	dds_lset_data_available(l, on_builtin_sub);
	n->bi_sub = dds_create_reader(n->pp, DDS_BUILTIN_TOPIC_DCPSSUBSCRIPTION, NULL, l);
	dds_delete_listener(l);
	if (n->bi_pub < 0 || n->bi_sub < 0) {
		snprintf(err, errlen, "cannot read DDS discovery: %s",
			 dds_strretcode(n->bi_pub < 0 ? n->bi_pub : n->bi_sub));
		return n->bi_pub < 0 ? n->bi_pub : n->bi_sub;
	}
	return 0;
}

const struct r2_counters *r2_node_counters(const struct r2_node *n)
{
	return &n->ctr;
}

const char *r2_node_fqn(const struct r2_node *n)
{
	return n->fqn;
}

void r2_node_destroy(struct r2_node *n)
{
	if (!n)
		return;
	/* the node leaves the ROS graph with its participant (graph caches drop it) */
	if (n->pp > 0)
		dds_delete(n->pp);
	pthread_mutex_destroy(&n->seen_lock);
	free(n);
}
