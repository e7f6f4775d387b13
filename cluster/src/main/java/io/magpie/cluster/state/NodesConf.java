package io.magpie.cluster.state;

import io.magpie.cluster.bus.NodeFlags;

/**
 * nodes.conf in Redis's format: the CLUSTER NODES lines of every node but those in handshake, then
 * "vars currentEpoch N lastVoteEpoch M" (clusterSaveConfig / clusterLoadConfig).
 */
public final class NodesConf {
    private NodesConf() {}

    static String format(ClusterState state) {
        return ClusterReplies.nodesDescription(state, NodeFlags.HANDSHAKE, false)
            + "vars currentEpoch " + Long.toUnsignedString(state.currentEpoch)
            + " lastVoteEpoch " + Long.toUnsignedString(state.lastVoteEpoch) + "\n";
    }

    /** Fills an empty state from a nodes.conf text; IllegalArgumentException when it is malformed. */
    static void parse(ClusterState state, String text, long now) {
        int lineNo = 0;
        for (String rawLine : text.split("\n", -1)) {
            lineNo++;
            String line = rawLine.strip();
            if (line.isEmpty()) continue;
            String[] argv = line.split("[ \t\r]+");
            if (argv[0].equalsIgnoreCase("vars")) {
                if (argv.length % 2 == 0) throw fmterr(lineNo);
                for (int j = 1; j < argv.length; j += 2) {
                    if (argv[j].equalsIgnoreCase("currentEpoch")) state.currentEpoch = parseEpoch(argv[j + 1]);
                    else if (argv[j].equalsIgnoreCase("lastVoteEpoch")) state.lastVoteEpoch = parseEpoch(argv[j + 1]);
                    // Unknown variables are skipped, as Redis does (with a warning).
                }
                continue;
            }
            if (argv.length < 8) throw fmterr(lineNo);
            if (!ClusterState.verifyNodeId(argv[0])) throw fmterr(lineNo);
            ClusterNode n = state.getOrCreateNode(argv[0], now);
            // ip:port[@cport][,hostname]
            String addr = argv[1];
            int comma = addr.indexOf(',');
            if (comma >= 0) {
                n.hostname = addr.substring(comma + 1);
                addr = addr.substring(0, comma);
            } else {
                n.hostname = "";
            }
            int colon = addr.lastIndexOf(':');
            if (colon < 0) throw fmterr(lineNo);
            n.ip = addr.substring(0, colon);
            String ports = addr.substring(colon + 1);
            int at = ports.indexOf('@');
            n.port = atoi(at >= 0 ? ports.substring(0, at) : ports);
            // Files older than Redis 4 have no "@cport": the default offset applies.
            n.cport = at >= 0 ? atoi(ports.substring(at + 1)) : n.port + ClusterState.PORT_INCR;
            for (String flag : argv[2].split(",")) {
                switch (flag.toLowerCase()) {
                    case "myself" -> {
                        if (state.myself != null) throw fmterr(lineNo);
                        state.myself = n;
                        n.flags |= NodeFlags.MYSELF;
                    }
                    case "master" -> n.flags |= NodeFlags.MASTER;
                    case "slave" -> n.flags |= NodeFlags.SLAVE;
                    case "fail?" -> n.flags |= NodeFlags.PFAIL;
                    case "fail" -> {
                        n.flags |= NodeFlags.FAIL;
                        n.failTime = now;
                    }
                    case "handshake" -> n.flags |= NodeFlags.HANDSHAKE;
                    case "noaddr" -> n.flags |= NodeFlags.NOADDR;
                    case "nofailover" -> n.flags |= NodeFlags.NOFAILOVER;
                    case "noflags" -> { }
                    default -> throw new IllegalArgumentException("Unknown flag in redis cluster config file");
                }
            }
            if (!argv[3].startsWith("-")) {
                if (!ClusterState.verifyNodeId(argv[3])) throw fmterr(lineNo);
                ClusterNode master = state.getOrCreateNode(argv[3], now);
                n.slaveof = master;
                ClusterState.addSlave(master, n);
            }
            if (atoi(argv[4]) != 0) n.pingSent = now;
            if (atoi(argv[5]) != 0) n.pongReceived = now;
            n.configEpoch = n.isSlave() && n.slaveof != null ? 0 : parseEpoch(argv[6]);
            for (int j = 8; j < argv.length; j++) {
                String arg = argv[j];
                if (arg.startsWith("[")) {
                    // [slot->-node] migrating, [slot-<-node] importing
                    int dash = arg.indexOf('-');
                    if (dash < 0 || dash + 3 > arg.length()) throw fmterr(lineNo);
                    int slot = atoi(arg.substring(1, dash));
                    char direction = arg.charAt(dash + 1);
                    if (slot < 0 || slot >= ClusterState.SLOTS) throw fmterr(lineNo);
                    int close = arg.indexOf(']', dash + 3);
                    if (close < 0) throw fmterr(lineNo);
                    String other = arg.substring(dash + 3, close);
                    if (!ClusterState.verifyNodeId(other)) throw fmterr(lineNo);
                    ClusterNode cn = state.getOrCreateNode(other, now);
                    if (direction == '>') state.migratingSlotsTo[slot] = cn;
                    else state.importingSlotsFrom[slot] = cn;
                    continue;
                }
                int start;
                int stop;
                int dash = arg.indexOf('-');
                if (dash >= 0) {
                    start = atoi(arg.substring(0, dash));
                    stop = atoi(arg.substring(dash + 1));
                } else {
                    start = stop = atoi(arg);
                }
                if (start < 0 || start >= ClusterState.SLOTS || stop < 0 || stop >= ClusterState.SLOTS) {
                    throw fmterr(lineNo);
                }
                while (start <= stop) state.addSlot(n, start++);
            }
        }
        if (state.myself == null) throw new IllegalArgumentException("Unrecoverable error: corrupted cluster config file: no myself line");
        long max = 0;
        for (ClusterNode node : state.nodes.values()) {
            if (Long.compareUnsigned(node.configEpoch, max) > 0) max = node.configEpoch;
        }
        if (Long.compareUnsigned(max, state.currentEpoch) > 0) state.currentEpoch = max;
    }

    private static IllegalArgumentException fmterr(int lineNo) {
        return new IllegalArgumentException("Unrecoverable error: corrupted cluster config file (line " + lineNo + ")");
    }

    /** C's atoi: leading digits (with a sign), 0 when there are none. */
    private static int atoi(String s) {
        int i = 0;
        boolean neg = false;
        if (i < s.length() && (s.charAt(i) == '-' || s.charAt(i) == '+')) neg = s.charAt(i++) == '-';
        long v = 0;
        while (i < s.length() && Character.isDigit(s.charAt(i)) && v < Integer.MAX_VALUE) {
            v = v * 10 + (s.charAt(i++) - '0');
        }
        return (int) (neg ? -v : v);
    }

    /** strtoull. */
    private static long parseEpoch(String s) {
        int i = 0;
        while (i < s.length() && Character.isDigit(s.charAt(i))) i++;
        if (i == 0) return 0;
        try {
            return Long.parseUnsignedLong(s.substring(0, i));
        } catch (NumberFormatException e) {
            return -1L; // ULLONG_MAX on overflow
        }
    }
}
