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

        final byte[] subscribeMsg, unsubscribeMsg, messageMsg;

        Kind(String subscribe, String unsubscribe, String message) {
            this.subscribeMsg = subscribe.getBytes(StandardCharsets.US_ASCII);
            this.unsubscribeMsg = unsubscribe.getBytes(StandardCharsets.US_ASCII);
            this.messageMsg = message.getBytes(StandardCharsets.US_ASCII);
        }
    }

    private final Map<String, Set<Client>> channels = new HashMap<>();
    private final Map<String, Set<Client>> shardChannels = new HashMap<>();
    private final Map<String, Set<Client>> patterns = new LinkedHashMap<>();

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

    /* ---------------- subscribe / unsubscribe with their confirmations ---------------- */

    /** SUBSCRIBE / SSUBSCRIBE of one channel, replying the confirmation (pubsubSubscribeChannel). */
    public void subscribe(Client c, byte[] channel, Kind kind) {
        String k = key(channel);
        if (ofClient(c, kind).add(k)) server(kind).computeIfAbsent(k, x -> new LinkedHashSet<>()).add(c);
        confirm(c, kind.subscribeMsg, channel, subscriptionCount(c, kind));
    }

    /** UNSUBSCRIBE / SUNSUBSCRIBE of one channel (pubsubUnsubscribeChannel). */
    public void unsubscribe(Client c, byte[] channel, Kind kind, boolean notify) {
        String k = key(channel);
        if (ofClient(c, kind).remove(k)) removeFrom(server(kind), k, c);
        if (notify) confirm(c, kind.unsubscribeMsg, channel, subscriptionCount(c, kind));
    }

    /** UNSUBSCRIBE / SUNSUBSCRIBE without arguments; with nothing subscribed, one null confirmation. */
    public void unsubscribeAll(Client c, Kind kind, boolean notify) {
        Set<String> mine = ofClient(c, kind);
        if (mine.isEmpty()) {
            if (notify) confirm(c, kind.unsubscribeMsg, null, subscriptionCount(c, kind));
            return;
        }
        for (String ch : new ArrayList<>(mine)) unsubscribe(c, bytes(ch), kind, notify);
    }

    public void psubscribe(Client c, byte[] pattern) {
        String k = key(pattern);
        if (c.patterns.add(k)) patterns.computeIfAbsent(k, x -> new LinkedHashSet<>()).add(c);
        confirm(c, PSUBSCRIBE, pattern, subscriptionCount(c, Kind.GLOBAL));
    }

    public void punsubscribe(Client c, byte[] pattern, boolean notify) {
        String k = key(pattern);
        if (c.patterns.remove(k)) removeFrom(patterns, k, c);
        if (notify) confirm(c, PUNSUBSCRIBE, pattern, subscriptionCount(c, Kind.GLOBAL));
    }

    public void punsubscribeAll(Client c, boolean notify) {
        if (c.patterns.isEmpty()) {
            if (notify) confirm(c, PUNSUBSCRIBE, null, subscriptionCount(c, Kind.GLOBAL));
            return;
        }
        for (String p : new ArrayList<>(c.patterns)) punsubscribe(c, bytes(p), notify);
    }

    private static void removeFrom(Map<String, Set<Client>> index, String k, Client c) {
        Set<Client> s = index.get(k);
        if (s == null) return;
        s.remove(c);
        if (s.isEmpty()) index.remove(k);
    }

    /** [kind, channel or null, count] as a push (an array in RESP2). */
    private static void confirm(Client c, byte[] what, byte[] channel, int count) {
        c.addReplyPushLen(3);
        c.addReplyBulk(what);
        if (channel == null) c.addReplyNull();
        else c.addReplyBulk(channel);
        c.addReplyLongLong(count);
    }

    /** Drops every subscription of a client that disconnects or RESETs, silently. */
    public void removeClient(Client c) {
        unsubscribeAll(c, Kind.GLOBAL, false);
        unsubscribeAll(c, Kind.SHARD, false);
        punsubscribeAll(c, false);
    }

    /* ---------------- publishing ---------------- */

    /** Delivers a message to channel and pattern subscribers; returns how many received it. */
    public int publish(byte[] channel, byte[] message) {
        int receivers = deliver(channels.get(key(channel)), Kind.GLOBAL.messageMsg, channel, message);
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

    /** SPUBLISH: shard channels only, never patterns. */
    public int spublish(byte[] channel, byte[] message) {
        return deliver(shardChannels.get(key(channel)), Kind.SHARD.messageMsg, channel, message);
    }

    private static int deliver(Set<Client> subs, byte[] kind, byte[] channel, byte[] message) {
        if (subs == null) return 0;
        for (Client c : subs) {
            c.addReplyPushLen(3);
            c.addReplyBulk(kind);
            c.addReplyBulk(channel);
            c.addReplyBulk(message);
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

    private static final byte[] PSUBSCRIBE = "psubscribe".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PUNSUBSCRIBE = "punsubscribe".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PMESSAGE = "pmessage".getBytes(StandardCharsets.US_ASCII);
}
