package io.magpie.engine;

import io.magpie.commands.RedisCommand;
import io.magpie.engine.keyspace.Database;
import io.magpie.protocol.RespWriter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A client of the engine: the state Redis keeps in its client struct (selected db,
 * protocol, MULTI queue, watched keys, subscriptions, blocking state) and the reply
 * functions commands write with. Owned by the keyspace thread; the server's session wires
 * it to a socket through {@link Connection}.
 */
public class Client {
    // Flags (Redis's CLIENT_*), kept as booleans for readability; hot ones are plain fields.
    public boolean multi, dirtyCas, dirtyExec, closeAfterReply, monitor, blocked, master, replica,
            noEvict, readonlyMode, pubsubOnly, inExec;
    /**
     * A client that must be obeyed (Redis's mustObeyClient): the master link, the AOF loader,
     * later a Raft apply. Dispatch does not refuse it (READONLY, MISCONF, LOADING, OOM...),
     * and it is never topology-checked or handed to the write path: what it sends is already
     * ordered. The master link is also {@link #master}; the AOF loader is not.
     */
    public boolean obeyed;
    /**
     * ASKING was sent (Redis's CLIENT_ASKING): the next command may use an importing slot. It
     * lasts one command, or the whole of a MULTI (the pipeline clears it).
     */
    public boolean asking;
    /**
     * Blocking commands answer as on a timeout instead of blocking (Redis's CLIENT_DENY_BLOCKING):
     * a Raft apply runs them so. blockDenied tells that one would have blocked.
     */
    public boolean denyBlocking, blockDenied;
    /** CLIENT REPLY: ON, OFF, or SKIP (the next reply only). */
    public enum ReplyMode { ON, OFF, SKIP, SKIP_NEXT }
    public ReplyMode replyMode = ReplyMode.ON;

    public final long id;
    public final Engine engine;
    public Connection conn;
    public byte[][] argv;
    public int argc;
    public RedisCommand cmd, lastCmd;
    public Database db;
    public String name = "";
    public String libName = "", libVersion = "";
    public boolean authenticated;
    public String user = "default";
    /** The ACL user whose permissions apply; null runs anything (the master link, AOF loading). */
    public io.magpie.engine.acl.User aclUser;
    public final long ctime;
    public long lastInteraction;

    /** MULTI queue. */
    public final List<byte[][]> multiQueue = new ArrayList<>();
    public final List<RedisCommand> multiCommands = new ArrayList<>();
    /** WATCHed keys, in WATCH order. */
    public final List<io.magpie.engine.keyspace.WatchedKey> watchedKeys = new ArrayList<>();
    /** Pub/sub subscriptions. */
    public final Set<String> channels = new LinkedHashSet<>();
    public final Set<String> patterns = new LinkedHashSet<>();
    public final Set<String> shardChannels = new LinkedHashSet<>();

    /** Subscribed to anything (Redis's CLIENT_PUBSUB): RESP2 restricts the commands it may send. */
    public boolean isSubscribed() {
        return !channels.isEmpty() || !patterns.isEmpty() || !shardChannels.isEmpty();
    }
    /** CLIENT TRACKING state, owned by io.magpie.engine.Tracking; null until first enabled. */
    public Tracking.ClientState tracking;
    /** Blocking state, owned by io.magpie.engine.Blocking. */
    public Object blockingState;
    /** A replica's state on its master, owned by the server's replication. */
    public Object replicationState;
    /** The replication offset after this client's last command (WAIT waits for it). */
    public long woff;
    /** A WAIT in progress: the offset and number of replicas it waits for. */
    public long waitOffset, waitNumReplicas;

    private final RespWriter reply;
    private ByteBuf realTarget;
    private io.magpie.protocol.ReplyChain realChain;
    private ByteBuf discard;

    public Client(Engine engine, long id, Connection conn, ByteBuf out) {
        this.engine = engine;
        this.id = id;
        this.conn = conn;
        this.db = engine.db(0);
        this.reply = new RespWriter(out, 2);
        this.ctime = engine.now();
        this.lastInteraction = ctime;
        this.authenticated = !engine.authRequired();
        this.aclUser = engine.acl.defaultUser();
    }

    /** A client with a private unpooled output buffer (tests, AOF loading, fake clients). */
    public static Client detached(Engine engine) {
        return new Client(engine, engine.nextClientId(), null, Unpooled.buffer());
    }

    public RespWriter writer() {
        return reply;
    }

    public int resp() {
        return reply.resp();
    }

    public void setResp(int resp) {
        reply.resp(resp);
    }

    public ByteBuf output() {
        return realTarget != null ? realTarget : reply.target();
    }

    public void output(ByteBuf out) {
        if (realTarget != null) realTarget = out;
        else reply.target(out);
    }

    /** Replies are swallowed (CLIENT REPLY OFF/SKIP, the master link). */
    public void suppressReplies(boolean suppress) {
        if (suppress && realTarget == null) {
            realTarget = reply.target();
            // Swallowed replies must not reach the reply list through a chained buffer.
            realChain = reply.chain();
            reply.chain(null);
            if (discard == null) discard = Unpooled.buffer(256);
            reply.target(discard);
        } else if (!suppress && realTarget != null) {
            reply.target(realTarget);
            reply.chain(realChain);
            realTarget = null;
            realChain = null;
            discard.clear();
        } else if (suppress) {
            discard.clear();
        }
    }

    public boolean repliesSuppressed() {
        return realTarget != null;
    }

    /** Drops what the swallowed replies of the last command wrote (CLIENT REPLY OFF). */
    public void discardSuppressed() {
        if (discard != null) discard.clear();
    }

    private boolean pushing;

    /**
     * A pub/sub push follows (a subscription's confirmation or a message): it reaches the
     * client even while CLIENT REPLY OFF or SKIP swallows replies, as Redis 7.0's
     * CLIENT_PUSHING does. Pair with {@link #endPush}.
     */
    public void beginPush() {
        if (realTarget == null || pushing) return;
        pushing = true;
        reply.target(realTarget);
        reply.chain(realChain);
    }

    public void endPush() {
        if (!pushing) return;
        pushing = false;
        realTarget = reply.target(); // the chain may have moved the writer to a new buffer
        reply.chain(null);
        reply.target(discard);
    }

    public String argString(int i) {
        return new String(argv[i], StandardCharsets.UTF_8);
    }

    /** Case-insensitive comparison of an argument with an ASCII keyword. */
    public boolean argIs(int i, String keyword) {
        byte[] a = argv[i];
        if (a.length != keyword.length()) return false;
        for (int j = 0; j < a.length; j++) {
            int x = a[j] & 0xff, y = keyword.charAt(j);
            if (x == y) continue;
            if (!Character.isLetter(y) || (x | 0x20) != (y | 0x20)) return false;
        }
        return true;
    }

    /* ---------------- replies (Redis's addReply* family) ---------------- */

    public void addReplyOk() {
        reply.ok();
    }

    public void addReplyStatus(String s) {
        reply.status(s);
    }

    /** An error reply with its code ("ERR ...", "WRONGTYPE ..."); counted in INFO errorstats. */
    public void addReplyError(String text) {
        engine.stats.countError(text);
        cmdFailed = true;
        reply.error(text);
    }

    /** An error whose text comes from a format with the command name (Redis's %s cases). */
    public void addReplyErrorFormat(String format, Object... args) {
        addReplyError(String.format(format, args));
    }

    public void addReplyErrorArity() {
        addReplyError(Errors.wrongArgs(cmd.fullName));
    }

    public void addReplyLongLong(long v) {
        reply.integer(v);
    }

    public void addReplyBulk(byte[] v) {
        reply.bulk(v);
    }

    /** A stored string value (never modified in place): a large one is sent without a copy. */
    public void addReplyBulkShared(byte[] v) {
        reply.bulkShared(v);
    }

    public void addReplyBulk(byte[] v, int off, int len) {
        reply.bulk(v, off, len);
    }

    public void addReplyBulkString(String s) {
        reply.bulk(s);
    }

    public void addReplyBulkLongLong(long v) {
        reply.bulkLong(v);
    }

    public void addReplyNull() {
        reply.nullBulk();
    }

    public void addReplyNullArray() {
        reply.nullArray();
    }

    public void addReplyArrayLen(long n) {
        reply.arrayLen(n);
    }

    public void addReplyMapLen(long n) {
        reply.mapLen(n);
    }

    public void addReplySetLen(long n) {
        reply.setLen(n);
    }

    public void addReplyPushLen(long n) {
        reply.pushLen(n);
    }

    public void addReplyDouble(double d) {
        reply.doubleValue(d);
    }

    public void addReplyBool(boolean b) {
        reply.bool(b);
    }

    public void addReplyVerbatim(String text, String format) {
        reply.verbatim(text, format);
    }

    /** addReplyHelp: a container's HELP text, one status line each. */
    public void addReplyHelp(String[] lines) {
        reply.arrayLen(lines.length);
        for (String line : lines) reply.status(line);
    }

    public void addReplyBigNum(String digits) {
        reply.bigNumber(digits);
    }

    public int addReplyDeferredLen() {
        return reply.deferredLen();
    }

    public void setDeferredArrayLen(int mark, long n) {
        reply.setDeferredArrayLen(mark, n);
    }

    public void setDeferredMapLen(int mark, long n) {
        reply.setDeferredMapLen(mark, n);
    }

    public void setDeferredSetLen(int mark, long n) {
        reply.setDeferredSetLen(mark, n);
    }

    /** Set by addReplyError during a call; read by Engine.call for failed_calls. */
    boolean cmdFailed;

    /* ---------------- propagation (used by commands) ---------------- */

    /** Replaces what call() propagates for this command (Redis's rewriteClientCommandVector). */
    public void rewriteArgv(byte[]... newArgv) {
        propagateArgv = newArgv;
    }

    /** This call propagates nothing on its own (it propagated what it needed already). */
    public void preventPropagation() {
        preventPropagation = true;
    }

    byte[][] propagateArgv;
    boolean preventPropagation;
    /** Where this client's writes go ({@link WriteUnit#ALL}; a script's client: what redis.set_repl chose). */
    public int propagateTargets = WriteUnit.ALL;

    /* ---------------- what SLOWLOG and MONITOR show (Redis's original_argv) ---------------- */

    private static final byte[] REDACTED = "(redacted)".getBytes(StandardCharsets.US_ASCII);

    /** The command as the client sent it, when the handler rewrote or redacted argv; else null. */
    byte[][] originalArgv;

    /** Replaces the command vector (GEOADD runs as ZADD); the logs keep showing what was sent. */
    public void replaceArgv(byte[][] newArgv) {
        keepOriginalArgv();
        argv = newArgv;
        argc = newArgv.length;
    }

    /** Shows argument i as "(redacted)" in SLOWLOG and MONITOR (passwords: AUTH, HELLO AUTH...). */
    public void redactArgument(int i) {
        keepOriginalArgv();
        originalArgv[i] = REDACTED;
    }

    private void keepOriginalArgv() {
        if (originalArgv == null) originalArgv = java.util.Arrays.copyOf(argv, argc);
    }

    /** The arguments to log for the command just run. */
    byte[][] argvForLogs() {
        return originalArgv != null ? originalArgv : argc == argv.length ? argv : java.util.Arrays.copyOf(argv, argc);
    }

    /** Asks the transport to flush (for output produced outside this client's command). */
    public void requestFlush() {
        if (conn != null) conn.requestFlush();
    }

    @Override
    public String toString() {
        return "client id=" + id + " name=" + name;
    }
}
