package io.magpie.cluster.bus;

/**
 * One 104-byte gossip entry of a PING, PONG or MEET (cluster.h clusterMsgDataGossip): what the
 * sender knows of another node. Times are in seconds, truncated to 32 bits, as Redis sends them.
 *
 * @param nodename the node's 40-character name
 * @param pingSent seconds of the sender's last unanswered PING to it, 0 if none
 * @param pongReceived seconds of the last PONG the sender got from it
 * @param ip its address, "" when unknown
 * @param flags its CLUSTER_NODE_* flags ({@link NodeFlags})
 */
public record Gossip(String nodename, long pingSent, long pongReceived, String ip, int port, int cport,
                     int flags, int pport) {
}
