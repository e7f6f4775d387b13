package io.magpie.jepsen;

import io.magpie.jepsen.NetProxy.Direction;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The links between a group's nodes, each through a {@link NetProxy} of its own: node a
 * reaches node b at link(a, b)'s port, so that every node is given its own member list
 * ({@link #membersFor}). A link carries a's requests to b and b's replies to a on the
 * connections a opens; "a's bytes cannot reach b" is then link(a, b)'s FORWARD and
 * link(b, a)'s BACKWARD direction.
 */
public final class Network implements AutoCloseable {
    private final EventLoopGroup group = new NioEventLoopGroup(2, new DefaultThreadFactory("netproxy", true));
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final Map<String, NetProxy> links = new LinkedHashMap<>();

    /** A full mesh between the nodes, whose real (listening) ports are given in order of their ids. */
    public Network(Map<String, Integer> nodePorts) {
        for (String id : nodePorts.keySet()) addNode(id, nodePorts.get(id));
    }

    /** Adds a node and the links between it and the others. */
    public void addNode(String id, int port) {
        for (Map.Entry<String, Integer> other : ports.entrySet()) {
            links.put(id + ">" + other.getKey(), new NetProxy(group, other.getValue()));
            links.put(other.getKey() + ">" + id, new NetProxy(group, port));
        }
        ports.put(id, port);
    }

    public List<String> nodes() {
        return new ArrayList<>(ports.keySet());
    }

    /** The link node {@code from} uses to reach node {@code to}. */
    public NetProxy link(String from, String to) {
        NetProxy p = links.get(from + ">" + to);
        if (p == null) throw new IllegalArgumentException("no link " + from + " > " + to);
        return p;
    }

    /** "id=127.0.0.1:port,..." as node {@code self} sees the group: itself at its own port, the others through its links. */
    public String membersFor(String self) {
        StringJoiner j = new StringJoiner(",");
        for (String id : ports.keySet()) j.add(id + "=127.0.0.1:" + (id.equals(self) ? ports.get(id) : link(self, id).port()));
        return j.toString();
    }

    /** The node can reach nobody and nobody can reach it: all its links dropped, both ways. */
    public void isolate(String id) {
        for (String other : ports.keySet()) {
            if (other.equals(id)) continue;
            link(id, other).drop();
            link(other, id).drop();
        }
    }

    /** No link between {@code side} and the other nodes (both sides keep their own links). */
    public void partition(Collection<String> side) {
        for (String a : side) {
            for (String b : ports.keySet()) {
                if (side.contains(b)) continue;
                link(a, b).drop();
                link(b, a).drop();
            }
        }
    }

    /** {@code from}'s bytes no longer reach {@code to}; {@code to}'s still reach {@code from}. */
    public void oneWay(String from, String to) {
        link(from, to).block(Direction.FORWARD);
        link(to, from).block(Direction.BACKWARD);
    }

    /** Every link delays its bytes by {@code millis}. */
    public void delayAll(long millis) {
        for (NetProxy p : links.values()) p.delay(millis);
    }

    public void heal() {
        for (NetProxy p : links.values()) p.heal();
    }

    @Override
    public void close() {
        for (NetProxy p : links.values()) p.close();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
    }
}
