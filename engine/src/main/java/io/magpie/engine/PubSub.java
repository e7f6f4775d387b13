package io.magpie.engine;

import io.magpie.protocol.Glob;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pub/sub (pubsub.c): channel, pattern and shard-channel subscriptions and message
 * delivery. Channels are binary-safe; they are held as ISO-8859-1 strings, which map
 * bytes 1:1. Messages go into each subscriber's reply buffer as push messages (arrays in
 * RESP2), so a RESP3 client publishing to itself sees them before its own reply, as in
 * Redis.
 */
public final class PubSub {
    /** The two kinds of subscription that keep separate counts (pubsubtype in Redis). */
    public enum Kind {
        GLOBAL("subscribe", "unsubscribe", "message"),
        SHARD("ssubscribe", "sunsubscribe", "smessage");

        public final byte[] subscribeMsg, unsubscribeMsg, messageMsg;

        Kind(String subscribe, String unsubscribe, String message) {
            this.subscribeMsg = subscribe.getBytes(StandardCharsets.US_ASCII);
            this.unsubscribeMsg = unsubscribe.getBytes(StandardCharsets.US_ASCII);
            this.messageMsg = message.getBytes(StandardCharsets.US_ASCII);
        }
    }

    private final Map<String, Set<Client>> channels = new HashMap<>();
    private final Map<String, Set<Client>> shardChannels = new HashMap<>();
    /** Pattern -> its subscribers, with the pattern's bytes kept for matching on every publish. */
    private final Map<String, PatternSubscribers> patterns = new LinkedHashMap<>();

    private record PatternSubscribers(byte[] pattern, Set<Client> clients) {}

    static String key(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private Map<String, Set<Client>> server(Kind kind) {
        return kind == Kind.GLOBAL ? channels : shardChannels;
    }

    private static Set<String> ofClient(Client c, Kind kind) {
        return kind == Kind.GLOBAL ? c.channels : c.shardChannels;
    }

    /** The count a (un)subscribe confirmation carries: channels + patterns, or shard channels. */
    public static int subscriptionCount(Client c, Kind kind) {
        return kind == Kind.GLOBAL ? c.channels.size() + c.patterns.size() : c.shardChannels.size();
    }

    /* ---------------- subscriptions (silent: the commands reply the confirmations) ---------------- */

    /** SUBSCRIBE / SSUBSCRIBE of one channel; true if the client newly subscribed. */
    public boolean subscribe(Client c, byte[] channel, Kind kind) {
        String k = key(channel);
        if (!ofClient(c, kind).add(k)) return false;
        server(kind).computeIfAbsent(k, x -> new LinkedHashSet<>()).add(c);
        return true;
    }

    /** UNSUBSCRIBE / SUNSUBSCRIBE of one channel; true if the client was subscribed. */
    public boolean unsubscribe(Client c, byte[] channel, Kind kind) {
        String k = key(channel);
        if (!ofClient(c, kind).remove(k)) return false;
        removeFrom(server(kind), k, c);
        return true;
    }

    public boolean subscribe(Client c, byte[] channel) {
        return subscribe(c, channel, Kind.GLOBAL);
    }

    public boolean unsubscribe(Client c, byte[] channel) {
        return unsubscribe(c, channel, Kind.GLOBAL);
    }

    public boolean psubscribe(Client c, byte[] pattern) {
        String k = key(pattern);
        if (!c.patterns.add(k)) return false;
        patterns.computeIfAbsent(k, x -> new PatternSubscribers(pattern.clone(), new LinkedHashSet<>())).clients.add(c);
        return true;
    }

    public boolean punsubscribe(Client c, byte[] pattern) {
        String k = key(pattern);
        if (!c.patterns.remove(k)) return false;
        PatternSubscribers p = patterns.get(k);
        if (p != null) {
            p.clients.remove(c);
            if (p.clients.isEmpty()) patterns.remove(k);
        }
        return true;
    }

    /** Anyone listening at all: lets keyspace notifications skip building their channels. */
    public boolean hasSubscribers() {
        return !channels.isEmpty() || !patterns.isEmpty();
    }

    /** The client's channels of a kind, in subscription order (a copy: safe to unsubscribe while iterating). */
    public static List<byte[]> channelsOf(Client c, Kind kind) {
        List<byte[]> out = new ArrayList<>();
        for (String ch : ofClient(c, kind)) out.add(bytes(ch));
        return out;
    }

    public static List<byte[]> patternsOf(Client c) {
        List<byte[]> out = new ArrayList<>();
        for (String p : c.patterns) out.add(bytes(p));
        return out;
    }

    private static void removeFrom(Map<String, Set<Client>> index, String k, Client c) {
        Set<Client> s = index.get(k);
        if (s == null) return;
        s.remove(c);
        if (s.isEmpty()) index.remove(k);
    }

    /** Drops every subscription of a client that disconnects or RESETs, silently. */
    public void removeClient(Client c) {
        for (Kind kind : Kind.values()) for (byte[] ch : channelsOf(c, kind)) unsubscribe(c, ch, kind);
        for (byte[] p : patternsOf(c)) punsubscribe(c, p);
    }

    /* ---------------- publishing ---------------- */

    /** Delivers a message to channel and pattern subscribers; returns how many received it. */
    public int publish(byte[] channel, byte[] message) {
        int receivers = deliver(channels.get(key(channel)), Kind.GLOBAL.messageMsg, channel, message);
        if (!patterns.isEmpty()) {
            for (PatternSubscribers p : patterns.values()) {
                byte[] pattern = p.pattern;
                if (!Glob.match(pattern, channel, false)) continue;
                for (Client c : p.clients) {
                    c.beginPush();
                    c.addReplyPushLen(4);
                    c.addReplyBulk(PMESSAGE);
                    c.addReplyBulk(pattern);
                    c.addReplyBulk(channel);
                    c.addReplyBulk(message);
                    c.endPush();
                    c.requestFlush();
                    receivers++;
                }
            }
        }
        return receivers;
    }

    /** SPUBLISH: shard channels only, never patterns. */
    public int spublish(byte[] channel, byte[] message) {
        return deliver(shardChannels.get(key(channel)), Kind.SHARD.messageMsg, channel, message);
    }

    private static int deliver(Set<Client> subs, byte[] kind, byte[] channel, byte[] message) {
        if (subs == null) return 0;
        for (Client c : subs) {
            c.beginPush();
            c.addReplyPushLen(3);
            c.addReplyBulk(kind);
            c.addReplyBulk(channel);
            c.addReplyBulk(message);
            c.endPush();
            c.requestFlush();
        }
        return subs.size();
    }

    /* ---------------- introspection (PUBSUB, INFO) ---------------- */

    /** Active channel names matching pattern (null: all), as bytes. */
    public List<byte[]> channelNames(Kind kind, byte[] pattern) {
        List<byte[]> out = new ArrayList<>();
        for (String ch : server(kind).keySet()) {
            byte[] b = bytes(ch);
            if (pattern == null || Glob.match(pattern, b, false)) out.add(b);
        }
        return out;
    }

    public Set<String> channelNames() {
        return channels.keySet();
    }

    public int subscribers(byte[] channel) {
        return subscribers(channel, Kind.GLOBAL);
    }

    public int subscribers(byte[] channel, Kind kind) {
        Set<Client> s = server(kind).get(key(channel));
        return s == null ? 0 : s.size();
    }

    public int channelCount() {
        return channels.size();
    }

    public int shardChannelCount() {
        return shardChannels.size();
    }

    public int patternCount() {
        return patterns.size();
    }

    private static final byte[] PMESSAGE = "pmessage".getBytes(StandardCharsets.US_ASCII);
}
