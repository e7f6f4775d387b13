package io.magpie.engine;

import io.magpie.engine.util.Glob;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pub/sub (pubsub.c): channel and pattern subscriptions and message delivery. Channels
 * are binary-safe; they are held as ISO-8859-1 strings, which map bytes 1:1.
 */
public final class PubSub {
    private final Map<String, Set<Client>> channels = new HashMap<>();
    private final Map<String, Set<Client>> patterns = new LinkedHashMap<>();

    static String key(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** True if the client newly subscribed. */
    public boolean subscribe(Client c, byte[] channel) {
        String k = key(channel);
        if (!c.channels.add(k)) return false;
        channels.computeIfAbsent(k, x -> new LinkedHashSet<>()).add(c);
        return true;
    }

    public boolean unsubscribe(Client c, byte[] channel) {
        String k = key(channel);
        if (!c.channels.remove(k)) return false;
        Set<Client> s = channels.get(k);
        if (s != null) {
            s.remove(c);
            if (s.isEmpty()) channels.remove(k);
        }
        return true;
    }

    public boolean psubscribe(Client c, byte[] pattern) {
        String k = key(pattern);
        if (!c.patterns.add(k)) return false;
        patterns.computeIfAbsent(k, x -> new LinkedHashSet<>()).add(c);
        return true;
    }

    public boolean punsubscribe(Client c, byte[] pattern) {
        String k = key(pattern);
        if (!c.patterns.remove(k)) return false;
        Set<Client> s = patterns.get(k);
        if (s != null) {
            s.remove(c);
            if (s.isEmpty()) patterns.remove(k);
        }
        return true;
    }

    /** Drops every subscription of a client that disconnects. */
    public void removeClient(Client c) {
        for (String ch : new ArrayList<>(c.channels)) unsubscribe(c, bytes(ch));
        for (String p : new ArrayList<>(c.patterns)) punsubscribe(c, bytes(p));
    }

    /** Delivers a message; returns the number of clients that received it. */
    public int publish(byte[] channel, byte[] message) {
        int receivers = 0;
        Set<Client> subs = channels.get(key(channel));
        if (subs != null) {
            for (Client c : subs) {
                c.addReplyPushLen(3);
                c.addReplyBulk(MESSAGE);
                c.addReplyBulk(channel);
                c.addReplyBulk(message);
                c.requestFlush();
                receivers++;
            }
        }
        if (!patterns.isEmpty()) {
            for (Map.Entry<String, Set<Client>> e : patterns.entrySet()) {
                byte[] pattern = bytes(e.getKey());
                if (!Glob.match(pattern, channel, false)) continue;
                for (Client c : e.getValue()) {
                    c.addReplyPushLen(4);
                    c.addReplyBulk(PMESSAGE);
                    c.addReplyBulk(pattern);
                    c.addReplyBulk(channel);
                    c.addReplyBulk(message);
                    c.requestFlush();
                    receivers++;
                }
            }
        }
        return receivers;
    }

    public Set<String> channelNames() {
        return channels.keySet();
    }

    public int subscribers(byte[] channel) {
        Set<Client> s = channels.get(key(channel));
        return s == null ? 0 : s.size();
    }

    public int patternCount() {
        return patterns.size();
    }

    private static final byte[] MESSAGE = "message".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PMESSAGE = "pmessage".getBytes(StandardCharsets.US_ASCII);
}
