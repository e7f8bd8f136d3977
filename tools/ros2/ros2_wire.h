/* SPDX-License-Identifier: MIT */
/*
 * ROS 2 on the wire, over Eclipse Cyclone DDS, without ROS: what an RMW
 * (rmw_cyclonedds_cpp, rmw_fastrtps_cpp) does so that a ROS 2 graph sees
 * ordinary topics and an ordinary node.
 *
 *   topic names   ROS name /ns/odom -> DDS topic "rt/ns/odom"
 *   type names    nav_msgs/msg/Odometry -> "nav_msgs::msg::dds_::Odometry_"
 *                 (tools/ros2/ros2_types.idl: @final, plain CDR = XCDR1)
 *   USER_DATA     every reader/writer "typehash=RIHS01_<sha256>;" (REP-2011,
 *                 the hash of the ROS 2 Kilted type description); the
 *                 participant "enclave=/;"
 *   graph         one ParticipantEntitiesInfo sample on "ros_discovery_info"
 *                 (reliable, transient local, keep last 1) naming the node and
 *                 the GIDs of its readers and writers, so `ros2 node list`
 *                 and rclpy's get_node_names() show the bridge
 *
 * It also watches the graph: every remote endpoint on one of our topics is
 * checked for its type name and type hash (a wrong message definition is
 * reported, not silently unmatched), and incompatible QoS on either side is
 * reported once per change with the policy's name and counted.
 *
 * Threads: create/destroy on the main thread; the listeners run on Cyclone's
 * receive threads; counters are atomics any thread may read.
 */
#ifndef SPINAL_TOOLS_ROS2_WIRE_H
#define SPINAL_TOOLS_ROS2_WIRE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <dds/dds.h>

/* A ROS 2 message type as the bridge knows it. */
struct r2_type {
	const char *ros_name;                /* "nav_msgs/msg/Odometry" */
	const char *hash;                    /* "RIHS01_..." (Kilted) */
	const dds_topic_descriptor_t *desc;  /* idlc output */
};

extern const struct r2_type r2_odometry, r2_twist, r2_twist_stamped, r2_pose_stamped,
	r2_diagnostic_array, r2_string, r2_participant_entities_info;

/* QoS of one endpoint: the three policies ROS 2 users set. */
struct r2_qos {
	int reliable;        /* 1 reliable, 0 best effort */
	int transient_local; /* 1 transient local, 0 volatile */
	int depth;           /* keep last N (1..1000) */
};

/*
 * r2_qos_parse - "reliable|best_effort[,volatile|transient_local][,DEPTH]"
 * (any order, each at most once) over the defaults already in @q.  Returns
 * 0 or -EINVAL with the reason in @err.
 */
int r2_qos_parse(const char *s, struct r2_qos *q, char *err, size_t errlen);
/* "reliable,volatile,10" into @buf; returns @buf. */
const char *r2_qos_str(const struct r2_qos *q, char *buf, size_t len);

/*
 * r2_topic_name - resolve ROS name @topic in namespace @ns ("/" or "/a/b")
 * and prefix it: "odom" in "/bot" -> "rt/bot/odom", "/odom" -> "rt/odom".
 * Names: [A-Za-z0-9_/], no "//", no trailing "/", not starting with a digit.
 * Returns 0 or -EINVAL (bad name) / -ENAMETOOLONG; the resolved ROS name
 * ("/bot/odom") goes to @ros when not NULL.
 */
int r2_topic_name(const char *ns, const char *topic, char *dds, size_t ddslen, char *ros,
		  size_t roslen);

/* Counters of graph problems (any thread, relaxed). */
struct r2_counters {
	_Atomic uint64_t incompatible_qos;  /* incompatible-QoS events, both sides */
	_Atomic uint64_t typehash_ok;       /* remote endpoints whose hash matched ours */
	_Atomic uint64_t typehash_mismatch; /* ... whose hash differs (other distro/definition) */
	_Atomic uint64_t typehash_absent;   /* ... without one (Humble and older) */
	_Atomic uint64_t type_mismatch;     /* same topic, other type name: never matched */
	_Atomic uint64_t matched;           /* remote endpoints matched (current, all topics) */
};

struct r2_node;

/* Receives data: on a Cyclone thread, for reader @rd. */
typedef void (*r2_data_fn)(dds_entity_t rd, void *arg);

/*
 * r2_node_create - a participant in @domain (0..232) for ROS node @name in
 * namespace @ns.  Main thread.  NULL + errno with the reason in @err.
 * @log prints one operator line (any thread).
 */
struct r2_node *r2_node_create(uint32_t domain, const char *ns, const char *name,
			       void (*log)(const char *fmt, ...), char *err, size_t errlen);

/* Unannounce (the graph entry is disposed) and delete everything.  NULL ok. */
void r2_node_destroy(struct r2_node *n);

/*
 * r2_reader / r2_writer - an endpoint on ROS topic @topic (resolved in the
 * node's namespace) of @type with @q, USER_DATA type hash, XCDR1.  @on_data
 * (readers) runs on a Cyclone thread for every arrival.  Main thread, before
 * r2_node_announce().  Returns the entity (> 0) or a negative DDS return
 * code with the reason in @err.
 */
dds_entity_t r2_reader(struct r2_node *n, const struct r2_type *type, const char *topic,
		       const struct r2_qos *q, r2_data_fn on_data, void *arg, char *err,
		       size_t errlen);
dds_entity_t r2_writer(struct r2_node *n, const struct r2_type *type, const char *topic,
		       const struct r2_qos *q, char *err, size_t errlen);

/*
 * r2_node_announce - publish the node's ParticipantEntitiesInfo on
 * ros_discovery_info (GIDs of every endpoint created so far) and start
 * checking remote endpoints.  Main thread.  0 or a negative DDS code.
 */
int r2_node_announce(struct r2_node *n, char *err, size_t errlen);

/* The node's counters.  Any thread. */
const struct r2_counters *r2_node_counters(const struct r2_node *n);

/* The node's resolved name ("/spinal_bridge") and the participant's GID hex. */
const char *r2_node_fqn(const struct r2_node *n);

/* ROS time (CLOCK_REALTIME) as builtin_interfaces/Time seconds + nanoseconds. */
void r2_now(int32_t *sec, uint32_t *nsec);

#endif /* SPINAL_TOOLS_ROS2_WIRE_H */
