package io.magpie.app.repl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The processes, relays and writers of one test, closed together (writers first, then relays,
 * then nodes) whatever the test's outcome. Every node and relay is on 127.0.0.1.
 */
final class Topology implements AutoCloseable {
    private final Path dir;
    private final List<Node> nodes = new ArrayList<>();
    private final List<LinkProxy> proxies = new ArrayList<>();
    private final List<ContinuousWriter> writers = new ArrayList<>();

    Topology(Path dir) {
        this.dir = dir;
    }

    Node start(Node.Kind kind, String name, String... args) {
        Node n = Node.start(kind, name, dir, args);
        nodes.add(n);
        return n;
    }

    Node startWithConfig(Node.Kind kind, String name, String configText, String... args) {
        Node n = Node.startWithConfig(kind, name, dir, configText, args);
        nodes.add(n);
        return n;
    }

    /** A replica started and pointed at {@code master} (REPLICAOF at runtime, as a user would). */
    Node replica(Node.Kind kind, String name, Node master, String... args) {
        Node r = start(kind, name, args);
        r.replicaOf(master);
        return r;
    }

    LinkProxy proxy(Node target) {
        LinkProxy p = new LinkProxy(target);
        proxies.add(p);
        return p;
    }

    ContinuousWriter writer(Node master, long seed) {
        ContinuousWriter w = new ContinuousWriter(master, seed);
        writers.add(w);
        return w;
    }

    /** The log tails of every node, for a failure message. */
    String logs() {
        StringBuilder sb = new StringBuilder();
        for (Node n : nodes) sb.append(n.logTail());
        return sb.toString();
    }

    @Override
    public void close() {
        for (ContinuousWriter w : writers) {
            try {
                w.close();
            } catch (RuntimeException ignored) {
                // closing after a failure: the other resources still need closing
            }
        }
        for (LinkProxy p : proxies) p.close();
        for (Node n : nodes) n.close();
        keepLogs();
    }

    /** Copies the node logs to target/repl-logs/ (the temporary directory goes away with the test). */
    private void keepLogs() {
        try {
            Path kept = Files.createDirectories(Path.of("target", "repl-logs", dir.getFileName().toString()));
            for (Node n : nodes) Files.writeString(kept.resolve(n.name() + ".log"), n.logText(), StandardCharsets.ISO_8859_1);
        } catch (IOException | RuntimeException e) {
            // the logs are a convenience; the test's outcome stands without them
        }
    }
}
