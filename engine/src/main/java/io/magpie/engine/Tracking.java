package io.magpie.engine;

import io.magpie.commands.KeyExtraction;
import io.magpie.commands.KeyReferences;
import io.magpie.commands.RedisCommand;
import io.magpie.engine.util.ByteKey;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Client side caching: keys tracking and invalidation (Redis's tracking.c).
 *
 * <p>Default mode: the keys a tracking client reads are remembered, key by key, with the
 * ids of the clients that may cache them; the first change of such a key sends each of
 * them one invalidation message and forgets the key (so one read earns at most one message).
 * Like Redis, the table holds key names without their db: a change in any db invalidates.
 *
 * <p>Broadcasting mode (BCAST): nothing is remembered per client; each prefix collects the
 * keys changed under it, and once per event-loop pass ({@link #broadcastInvalidationMessages})
 * every client registered for that prefix gets one message naming them all.
 *
 * <p>Messages go as RESP3 pushes ({@code invalidate}) on the client's own connection, or,
 * with REDIRECT, to another client: as a push if it speaks RESP3, else as a Pub/Sub message
 * on {@code __redis__:invalidate} when it is subscribed to anything (RESP2 has no pushes).
 * A message for the client that is running the command that caused it waits until that
 * command's reply is written, so it never lands in the middle of a reply or a transaction.
 */
public final class Tracking {
    /** The per-client state of CLIENT TRACKING (the CLIENT_TRACKING_* flags and fields). */
    public static final class ClientState {
        public boolean on, bcast, optin, optout, noloop, brokenRedirect;
        /** CLIENT CACHING yes|no was given for the next command (CLIENT_TRACKING_CACHING). */
        public boolean caching;
        public long redirect;
        /** BCAST prefixes, sorted as Redis's radix tree lists them. */
        public final TreeMap<ByteKey, Boolean> prefixes = new TreeMap<>();
    }

    /** A broadcast prefix: its clients and the keys changed under it since the last pass. */
    private static final class Prefix {
        final Set<Client> clients = new LinkedHashSet<>();
        /** Changed key -> the client that changed it last (for NOLOOP); sorted like a rax. */
        TreeMap<ByteKey, Client> keys = new TreeMap<>();
    }

    private static final byte[] INVALIDATE = "invalidate".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MESSAGE = "message".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CHANNEL = "__redis__:invalidate".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESP2_NULL = "$-1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESP3_NULL = "_\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] REDIR_BROKEN = "tracking-redir-broken".getBytes(StandardCharsets.US_ASCII);

    private final Engine engine;
    /** Key -> ids of the clients that may cache it (TrackingTable). */
    private final Map<ByteKey, Set<Long>> table = new HashMap<>();
    private long totalItems;
    private final TreeMap<ByteKey, Prefix> prefixTable = new TreeMap<>();
    private int trackingClients;
    /** Invalidations for the client running the current command: null means "flushed". */
    private final List<byte[]> pendingForCurrent = new ArrayList<>();
    private Client pendingClient;
    /** How many times the table was found over its limit in a row (trackingLimitUsedSlots). */
    private int overLimitRuns;
    private final KeyReferences keyRefs = new KeyReferences();

    Tracking(Engine engine) {
        this.engine = engine;
    }

    /* ---------------- CLIENT TRACKING on / off ---------------- */

    public static boolean isOn(Client c) {
        return c.tracking != null && c.tracking.on;
    }

    /** enableTracking: options already validated by the command. */
    public void enable(Client c, long redirect, boolean bcast, boolean optin, boolean optout, boolean noloop, List<byte[]> prefixes) {
        if (c.tracking == null) c.tracking = new ClientState();
        ClientState t = c.tracking;
        if (!t.on) trackingClients++;
        t.on = true;
        t.brokenRedirect = t.bcast = t.optin = t.optout = t.noloop = false;
        t.redirect = redirect;
        if (bcast) {
            t.bcast = true;
            if (prefixes.isEmpty()) enableBcastPrefix(c, new byte[0]);
            for (byte[] p : prefixes) enableBcastPrefix(c, p);
        }
        t.optin = optin;
        t.optout = optout;
        t.noloop = noloop;
    }

    private void enableBcastPrefix(Client c, byte[] prefix) {
        ByteKey k = new ByteKey(prefix);
        if (c.tracking.prefixes.put(k, Boolean.TRUE) != null) return;
        prefixTable.computeIfAbsent(k, x -> new Prefix()).clients.add(c);
    }

    /** disableTracking: also what a disconnecting or RESET client gets. */
    public void disable(Client c) {
        ClientState t = c.tracking;
        if (t == null) return;
        if (t.bcast) {
            for (ByteKey p : t.prefixes.keySet()) {
                Prefix bs = prefixTable.get(p);
                if (bs == null) continue;
                bs.clients.remove(c);
                if (bs.clients.isEmpty()) prefixTable.remove(p);
            }
            t.prefixes.clear();
        }
        if (t.on) {
            trackingClients--;
            t.on = t.brokenRedirect = t.bcast = t.optin = t.optout = t.caching = t.noloop = false;
        }
    }

    /**
     * checkPrefixCollisionsOrReply: the error for the first new prefix that overlaps one the
     * client has or another new one (one is a prefix of the other), or null.
     */
    public static String prefixCollision(Client c, List<byte[]> prefixes) {
        for (int i = 0; i < prefixes.size(); i++) {
            byte[] p = prefixes.get(i);
            if (c.tracking != null) {
                for (ByteKey existing : c.tracking.prefixes.keySet()) {
                    if (overlap(existing.bytes, p)) {
                        return "ERR Prefix '" + str(p) + "' overlaps with an existing prefix '" + str(existing.bytes)
                                + "'. Prefixes for a single client must not overlap.";
                    }
                }
            }
            for (int j = i + 1; j < prefixes.size(); j++) {
                if (overlap(p, prefixes.get(j))) {
                    return "ERR Prefix '" + str(p) + "' overlaps with another provided prefix '" + str(prefixes.get(j))
                            + "'. Prefixes for a single client must not overlap.";
                }
            }
        }
        return null;
    }

    private static boolean overlap(byte[] a, byte[] b) {
        int n = Math.min(a.length, b.length);
        return java.util.Arrays.equals(a, 0, n, b, 0, n);
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /* ---------------- remembering what clients read ---------------- */

    /**
     * trackingRememberKeys, after a read-only command of a tracking client in default mode:
     * unless OPTIN without CACHING yes, or OPTOUT with CACHING no.
     */
    public void rememberKeys(Client c, RedisCommand cmd) {
        ClientState t = c.tracking;
        if ((t.optin && !t.caching) || (t.optout && t.caching)) return;
        // Shard channels look like keys to COMMAND; they are not cached values.
        if (cmd.pubsub) return;
        int n = KeyExtraction.getKeys(cmd, c.argv, 0, c.argc, keyRefs);
        for (int i = 0; i < n; i++) {
            int pos = keyRefs.position(i);
            if (pos < 0 || pos >= c.argc) continue;
            Set<Long> ids = table.computeIfAbsent(new ByteKey(c.argv[pos]), k -> new LinkedHashSet<>());
            if (ids.add(c.id)) totalItems++;
        }
    }

    /**
     * After each command (resetClient): CLIENT CACHING applies to the next command or the next
     * transaction only, so any other command ends it.
     */
    public static void afterCommand(Client c, RedisCommand cmd) {
        if (c.tracking == null || !c.tracking.caching || c.multi) return;
        RedisCommand top = cmd == null ? null : (cmd.parent != null ? cmd.parent : cmd);
        if (top == null || !top.fullName.equals("client")) c.tracking.caching = false;
    }

    /* ---------------- invalidation ---------------- */

    /** trackingInvalidateKey: key was modified (signalModifiedKey), by the current client. */
    public void invalidateKey(byte[] key) {
        if (trackingClients == 0 && table.isEmpty()) return;
        Client current = engine.currentClient();
        if (!prefixTable.isEmpty()) rememberKeyToBroadcast(current, key);
        invalidateTracked(current, key);
    }

    private void invalidateTracked(Client current, byte[] key) {
        Set<Long> ids = table.remove(new ByteKey(key));
        if (ids == null) return;
        totalItems -= ids.size();
        for (long id : ids) {
            Client target = engine.clients().get(id);
            // A client that turned tracking off, or moved to BCAST, gets nothing for old reads.
            if (target == null || !isOn(target) || target.tracking.bcast) continue;
            if (target.tracking.noloop && target == current) continue;
            if (target == current && engine.executingCommand()) addPending(current, key);
            else send(target, key);
        }
    }

    private void rememberKeyToBroadcast(Client current, byte[] key) {
        for (Map.Entry<ByteKey, Prefix> e : prefixTable.entrySet()) {
            byte[] p = e.getKey().bytes;
            if (p.length > key.length || !java.util.Arrays.equals(p, 0, p.length, key, 0, p.length)) continue;
            e.getValue().keys.put(new ByteKey(key), current);
        }
    }

    /**
     * trackingInvalidateKeysOnFlush: FLUSHDB/FLUSHALL tell every tracking client that all it
     * cached is gone (a null invalidation), and the table starts over.
     */
    public void invalidateKeysOnFlush() {
        if (trackingClients > 0) {
            Client current = engine.currentClient();
            for (Client c : engine.clients().values()) {
                if (!isOn(c)) continue;
                if (c == current) addPending(current, null);
                else send(c, null);
            }
        }
        table.clear();
        totalItems = 0;
    }

    private void addPending(Client current, byte[] key) {
        pendingClient = current;
        pendingForCurrent.add(key);
    }

    /** trackingHandlePendingKeyInvalidations: after the top-level command's reply. */
    public void handlePendingKeyInvalidations() {
        if (pendingForCurrent.isEmpty()) return;
        Client c = pendingClient;
        // The client may have been closed by its own command (QUIT, CLIENT KILL).
        if (c != null && engine.clients().get(c.id) == c) {
            for (byte[] key : pendingForCurrent) send(c, key);
        }
        pendingForCurrent.clear();
        pendingClient = null;
    }

    /**
     * trackingBroadcastInvalidationMessages, once per event-loop pass: each prefix with
     * changed keys sends them, sorted, to its clients (without a NOLOOP client's own changes).
     */
    public void broadcastInvalidationMessages() {
        if (trackingClients == 0 || prefixTable.isEmpty()) return;
        for (Prefix bs : prefixTable.values()) {
            if (bs.keys.isEmpty()) continue;
            TreeMap<ByteKey, Client> keys = bs.keys;
            bs.keys = new TreeMap<>();
            for (Client c : bs.clients) {
                List<byte[]> list = new ArrayList<>(keys.size());
                for (Map.Entry<ByteKey, Client> e : keys.entrySet()) {
                    if (c.tracking.noloop && e.getValue() == c) continue;
                    list.add(e.getKey().bytes);
                }
                if (!list.isEmpty()) sendKeys(c, list);
            }
        }
    }

    /**
     * trackingLimitUsedSlots: keeps the table under tracking-table-max-keys by invalidating
     * keys, with more effort each time it is still over the limit.
     */
    public void limitUsedSlots() {
        long max = engine.config.trackingTableMaxKeys.value();
        if (max == 0 || table.size() <= max) {
            overLimitRuns = 0;
            return;
        }
        int effort = 100 * (overLimitRuns + 1);
        // At most effort keys are taken (this runs before every command while over the limit);
        // the map's own order is as arbitrary as Redis's random walk, and cheaper.
        List<ByteKey> victims = new ArrayList<>(Math.min(effort, table.size()));
        for (ByteKey k : table.keySet()) {
            if (victims.size() == effort) break;
            victims.add(k);
        }
        for (ByteKey k : victims) {
            invalidateTracked(null, k.bytes);
            if (table.size() <= max) {
                overLimitRuns = 0;
                return;
            }
        }
        overLimitRuns++;
    }

    /* ---------------- sending ---------------- */

    private void send(Client c, byte[] key) {
        Client target = redirectTarget(c);
        if (target == null || !header(target, c.tracking.redirect != 0)) return;
        if (key == null) {
            // The null of the tracking client's own protocol, as Redis writes shared.null[c->resp].
            target.writer().raw(c.resp() >= 3 ? RESP3_NULL : RESP2_NULL);
        } else {
            target.addReplyArrayLen(1);
            target.addReplyBulk(key);
        }
        target.requestFlush();
    }

    private void sendKeys(Client c, List<byte[]> keys) {
        Client target = redirectTarget(c);
        if (target == null || !header(target, c.tracking.redirect != 0)) return;
        target.addReplyArrayLen(keys.size());
        for (byte[] k : keys) target.addReplyBulk(k);
        target.requestFlush();
    }

    /** Where c's messages go: itself, or its REDIRECT client; null if that one is gone. */
    private Client redirectTarget(Client c) {
        long redirect = c.tracking.redirect;
        if (redirect == 0) return c;
        Client target = engine.clients().get(redirect);
        if (target == null) {
            c.tracking.brokenRedirect = true;
            if (c.resp() >= 3) {
                c.addReplyPushLen(2);
                c.addReplyBulk(REDIR_BROKEN);
                c.addReplyLongLong(redirect);
                c.requestFlush();
            }
            return null;
        }
        return target;
    }

    /**
     * The message's head: a RESP3 push, or, for a RESP2 client that messages are redirected
     * to and that is in Pub/Sub mode, a Pub/Sub message; false when neither can be sent
     * (RESP2 has no pushes on a normal connection).
     */
    private static boolean header(Client target, boolean redirected) {
        if (target.resp() >= 3) {
            target.addReplyPushLen(2);
            target.addReplyBulk(INVALIDATE);
            return true;
        }
        if (redirected && target.isSubscribed()) {
            target.addReplyPushLen(3);
            target.addReplyBulk(MESSAGE);
            target.addReplyBulk(CHANNEL);
            return true;
        }
        return false;
    }

    /* ---------------- introspection ---------------- */

    public int trackingClients() {
        return trackingClients;
    }

    /** INFO tracking_total_keys: keys in the table. */
    public long totalKeys() {
        return table.size();
    }

    /** INFO tracking_total_items: (key, client) pairs in the table. */
    public long totalItems() {
        return totalItems;
    }

    /** INFO tracking_total_prefixes. */
    public long totalPrefixes() {
        return prefixTable.size();
    }
}
