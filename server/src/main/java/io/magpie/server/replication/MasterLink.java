package io.magpie.server.replication;

import io.magpie.engine.Client;
import io.magpie.engine.Connection;
import io.magpie.engine.Engine;
import io.magpie.persistence.rdb.RdbLoader;
import io.magpie.protocol.ProtocolException;
import io.magpie.protocol.RequestParser;
import io.magpie.server.Log;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Locale;

/**
 * The replica's link to its master (the replica half of replication.c): connect, the
 * handshake (PING, AUTH, REPLCONF listening-port/ip-address/capa, PSYNC), the RDB transfer
 * to a temp file and its load, then the stream, applied through a master client whose
 * replies are swallowed. Every byte applied is forwarded as is to this node's backlog and
 * sub-replicas, and acknowledged with REPLCONF ACK every second and on GETACK.
 */
final class MasterLink implements Connection {
    /** Redis's REPL_STATE_*: the handshake states are folded into three. */
    enum State { CONNECT, CONNECTING, RECEIVE_PING_REPLY, RECEIVE_HANDSHAKE_REPLIES, RECEIVE_PSYNC_REPLY, TRANSFER, CONNECTED }

    private enum Step { AUTH, PORT, IP, CAPA }

    private final Replication repl;
    private final Engine engine;
    final String host;
    final int port;
    private State state = State.CONNECT;
    private Channel channel;
    private ByteBuf in;
    /** Our replid and offset describe data the master can continue from (server.cached_master). */
    private boolean cachedMaster;
    private boolean closed;
    private final ArrayDeque<Step> handshake = new ArrayDeque<>();
    private long stateSinceMs, lastIoMs, downSinceSec;

    // The transfer: $<size> or $EOF:<mark>, written to a temp file, then loaded.
    private long transferSize = -1;
    private byte[] eofMark;
    private boolean transferHeaderRead;
    private long transferRead;
    private Path tmpPath;
    private FileChannel tmpFile;
    private String pendingReplid;
    /** Sent SYNC after PSYNC failed: no replid/offset from the master, and no history kept once the RDB comes. */
    private boolean syncFallback;
    private long pendingOffset;

    // The stream.
    private Client masterClient;
    private final RequestParser parser = new RequestParser();
    /** Start of the applied bytes not yet forwarded (held back inside MULTI). */
    private int applyStart;

    /** This link is the old master's half of a FAILOVER: PSYNC carries FAILOVER. */
    private final boolean failover;

    MasterLink(Replication repl, String host, int port, boolean cachedMaster, boolean failover) {
        this.repl = repl;
        this.failover = failover;
        this.engine = repl.engine;
        this.host = host;
        this.port = port;
        this.cachedMaster = cachedMaster;
    }

    boolean connected() {
        return state == State.CONNECTED;
    }

    boolean hasCachedMaster() {
        return cachedMaster;
    }

    Client masterClient() {
        return masterClient;
    }

    /** The db the master's stream has selected (the replica's repl-stream-db). */
    int streamDb() {
        return masterClient != null ? masterClient.db.id : lastStreamDb;
    }

    private void setState(State s) {
        state = s;
        stateSinceMs = System.currentTimeMillis();
    }

    /* ---------------- connecting and the handshake ---------------- */

    void connect() {
        if (closed) return;
        Log.notice("Connecting to MASTER %s:%d", host, port);
        setState(State.CONNECTING);
        lastIoMs = System.currentTimeMillis();
        Bootstrap b = new Bootstrap()
                .group(repl.server.mainLoop())
                .channel(repl.server.clientChannelClass())
                .option(ChannelOption.TCP_NODELAY, !repl.config.replDisableTcpNodelay.value())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, repl.config.replTimeout.value() * 1000))
                .handler(new io.netty.channel.ChannelInitializer<io.netty.channel.socket.SocketChannel>() {
                    @Override protected void initChannel(io.netty.channel.socket.SocketChannel ch) {
                        var ssl = repl.server.masterLinkTls(ch.alloc(), host, port);
                        if (ssl != null) ch.pipeline().addLast(ssl);
                        ch.pipeline().addLast(new Handler());
                    }
                });
        Log.notice("MASTER <-> REPLICA sync started");
        b.connect(host, port).addListener(f -> {
            if (!f.isSuccess() && !closed) {
                Log.warning("Error condition on socket for SYNC: %s", rootMessage(f.cause()));
                if (state == State.CONNECTING) setState(State.CONNECT);
            }
        });
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) t = t.getCause();
        String m = t.getMessage();
        return m == null ? t.toString() : m.replaceFirst("^.*: ", "");
    }

    /** One connection attempt's handler; a stale one (after close) ignores its events. */
    private final class Handler extends ChannelInboundHandlerAdapter {
        @Override public void channelActive(ChannelHandlerContext ctx) {
            if (closed) {
                ctx.close();
                return;
            }
            channel = ctx.channel();
            in = PooledByteBufAllocator.DEFAULT.buffer(64 << 10);
            applyStart = 0;
            Log.notice("Non blocking connect for SYNC fired the event.");
            setState(State.RECEIVE_PING_REPLY);
            send("PING");
        }

        @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                if (ctx.channel() != channel || closed) return;
                lastIoMs = System.currentTimeMillis();
                repl.statNetReplInputBytes += buf.readableBytes();
                in.writeBytes(buf);
            } finally {
                buf.release();
            }
            try {
                process();
            } catch (IOException | RuntimeException e) {
                Log.warning("Error in the replication link with MASTER %s:%d: %s", host, port, e);
                cancel();
            }
        }

        @Override public void channelInactive(ChannelHandlerContext ctx) {
            if (ctx.channel() != channel) return;
            lost();
        }

        @Override public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (ctx.channel() == channel && !closed) Log.warning("Error condition on socket for SYNC: %s", rootMessage(cause));
            ctx.close();
        }
    }

    /** The connection closed under us: cache a streaming master for PSYNC, retry from cron. */
    private void lost() {
        channel = null;
        if (state == State.CONNECTED) {
            Log.notice("Connection with master lost.");
            Log.notice("Caching the disconnected master state.");
            dropMasterClient();
            cachedMaster = true;
            downSinceSec = System.currentTimeMillis() / 1000;
        }
        abortTransfer();
        releaseInput();
        if (!closed) setState(State.CONNECT);
    }

    private void releaseInput() {
        if (in != null) {
            in.release();
            in = null;
        }
    }

    /** cancelReplicationHandshake: drop this attempt, try again from cron. */
    private void cancel() {
        Channel ch = channel;
        channel = null;
        abortTransfer();
        releaseInput();
        if (state == State.CONNECTED) {
            dropMasterClient();
            cachedMaster = true;
            downSinceSec = System.currentTimeMillis() / 1000;
        }
        if (ch != null) ch.close();
        if (!closed) setState(State.CONNECT);
    }

    /** REPLICAOF elsewhere or NO ONE: the link ends for good. */
    void close(boolean keepCachedMaster) {
        closed = true;
        if (state == State.CONNECTED) {
            dropMasterClient();
            if (keepCachedMaster) Log.notice("Caching the disconnected master state.");
        }
        cachedMaster = cachedMaster && keepCachedMaster;
        Channel ch = channel;
        channel = null;
        abortTransfer();
        releaseInput();
        if (ch != null) ch.close();
        state = State.CONNECT;
    }

    private void send(String... words) {
        byte[][] argv = new byte[words.length][];
        for (int i = 0; i < words.length; i++) argv[i] = words[i].getBytes(StandardCharsets.UTF_8);
        channel.writeAndFlush(encode(argv), channel.voidPromise());
    }

    private static ByteBuf encode(byte[][] argv) {
        ByteBuf out = Unpooled.buffer();
        new io.magpie.protocol.RespWriter(out, 2).command(argv);
        return out;
    }

    /** A line ending in \n (the \r is dropped), or null until one is complete. */
    private String readLine() {
        int eol = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
        if (eol < 0) return null;
        int len = eol - in.readerIndex();
        String line = in.toString(in.readerIndex(), len, StandardCharsets.UTF_8);
        in.readerIndex(eol + 1);
        applyStart = in.readerIndex();
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }

    private void process() throws IOException {
        while (in != null && !closed) {
            switch (state) {
                case RECEIVE_PING_REPLY -> {
                    String line = readLine();
                    if (line == null) return;
                    if (line.startsWith("-") && !line.startsWith("-NOAUTH") && !line.startsWith("-NOPERM")
                            && !line.startsWith("-ERR operation not permitted")) {
                        Log.warning("Error reply to PING from master: '%s'", line);
                        cancel();
                        return;
                    }
                    Log.notice("Master replied to PING, replication can continue...");
                    sendHandshake();
                }
                case RECEIVE_HANDSHAKE_REPLIES -> {
                    String line = readLine();
                    if (line == null) return;
                    Step step = handshake.poll();
                    if (line.startsWith("-")) {
                        switch (step) {
                            case AUTH -> {
                                Log.warning("Unable to AUTH to MASTER: %s", line);
                                cancel();
                                return;
                            }
                            case PORT -> Log.notice("(Non critical) Master does not understand REPLCONF listening-port: %s", line);
                            case IP -> Log.notice("(Non critical) Master does not understand REPLCONF ip-address: %s", line);
                            case CAPA -> Log.notice("(Non critical) Master does not understand REPLCONF capa: %s", line);
                        }
                    }
                    if (handshake.isEmpty()) sendPsync();
                }
                case RECEIVE_PSYNC_REPLY -> {
                    String line = readLine();
                    if (line == null) return;
                    if (line.isEmpty()) continue; // a newline keeping the link alive while the master prepares
                    if (!psyncReply(line)) return;
                }
                case TRANSFER -> {
                    if (!transfer()) return;
                }
                case CONNECTED -> {
                    processStream();
                    return;
                }
                default -> {
                    return;
                }
            }
        }
    }

    private void sendHandshake() {
        handshake.clear();
        String user = repl.config.masteruser.value(), pass = repl.config.masterauth.value();
        if (!pass.isEmpty()) {
            if (user.isEmpty()) send("AUTH", pass);
            else send("AUTH", user, pass);
            handshake.add(Step.AUTH);
        }
        long announcePort = repl.config.replicaAnnouncePort.value();
        send("REPLCONF", "listening-port", Long.toString(announcePort != 0 ? announcePort : repl.server.announcedPort()));
        handshake.add(Step.PORT);
        if (!repl.config.replicaAnnounceIp.value().isEmpty()) {
            send("REPLCONF", "ip-address", repl.config.replicaAnnounceIp.value());
            handshake.add(Step.IP);
        }
        send("REPLCONF", "capa", "eof", "capa", "psync2");
        handshake.add(Step.CAPA);
        setState(State.RECEIVE_HANDSHAKE_REPLIES);
    }

    private void sendPsync() {
        syncFallback = false;
        if (cachedMaster) {
            Log.notice("Trying a partial resynchronization (request %s:%d).", repl.id.replid(), repl.id.offset() + 1);
            if (failover) send("PSYNC", repl.id.replid(), Long.toString(repl.id.offset() + 1), "FAILOVER");
            else send("PSYNC", repl.id.replid(), Long.toString(repl.id.offset() + 1));
        } else {
            Log.notice("Partial resynchronization not possible (no cached master)");
            send("PSYNC", "?", "-1");
        }
        setState(State.RECEIVE_PSYNC_REPLY);
    }

    /** slaveTryPartialResynchronization's reading half; false when the link was cancelled. */
    private boolean psyncReply(String line) {
        if (line.startsWith("+FULLRESYNC")) {
            String[] w = line.split(" ");
            if (w.length < 3) {
                Log.warning("Master replied with wrong +FULLRESYNC syntax.");
                cancel();
                return false;
            }
            pendingReplid = w[1];
            pendingOffset = Long.parseLong(w[2]);
            Log.notice("Full resync from master: %s:%d", pendingReplid, pendingOffset);
            // Our history is about to be replaced: sub-replicas must sync again (replicationAttachToNewMaster).
            cachedMaster = false;
            repl.disconnectReplicas();
            repl.backlog = null;
            transferHeaderRead = false;
            setState(State.TRANSFER);
            if (failover) repl.failover.succeeded();
            return true;
        }
        if (line.startsWith("+CONTINUE")) {
            Log.notice("Successful partial resynchronization with master.");
            String newId = line.length() > 10 ? line.substring(10).trim() : "";
            if (newId.length() == 40 && !newId.equals(repl.id.replid())) {
                repl.id.shift(newId);
                Log.notice("Master replication ID changed to %s", newId);
                repl.disconnectReplicas();
            }
            Log.notice("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
            if (repl.backlog == null) repl.createBacklog();
            becomeConnected();
            if (failover) repl.failover.succeeded();
            return true;
        }
        boolean tryLater = line.startsWith("-NOMASTERLINK") || line.startsWith("-LOADING");
        if (tryLater || failover) {
            if (tryLater) Log.notice("Master is currently unable to PSYNC but should be in the future: %s", line);
            else Log.warning("Unexpected reply to PSYNC from master: %s", line);
            cancel();
            if (failover) repl.failover.abort("Failover target rejected psync request");
            return false;
        }
        // Any other answer means PSYNC is not supported (or refused, as with -NOAUTH): Redis falls
        // back to SYNC, whose own error reply then ends the attempt ("MASTER aborted replication...").
        if (line.startsWith("-ERR")) {
            Log.notice("Master does not support PSYNC or is in error state (reply: %s)", line);
        } else {
            Log.warning("Unexpected reply to PSYNC from master: %s", line);
        }
        Log.notice("Retrying with SYNC...");
        send("SYNC");
        syncFallback = true;
        transferHeaderRead = false;
        setState(State.TRANSFER);
        return true;
    }

    /* ---------------- the RDB transfer ---------------- */

    /** readSyncBulkPayload: true when the state moved on and input remains to process. */
    private boolean transfer() throws IOException {
        if (!transferHeaderRead) {
            String line = readLine();
            if (line == null) return false;
            if (line.isEmpty()) return true; // keepalive newline
            if (line.startsWith("-")) {
                Log.warning("MASTER aborted replication with an error: %s", line.substring(1));
                cancel();
                return false;
            }
            if (!line.startsWith("$")) {
                Log.warning("Bad protocol from MASTER, the first byte is not '$' (we received '%s'), are you sure the host "
                        + "and port are right?", line);
                cancel();
                return false;
            }
            if (syncFallback) {
                // An old-style full sync: our history ends here (replicationAttachToNewMaster).
                syncFallback = false;
                pendingReplid = Replication.randomId();
                pendingOffset = 0;
                cachedMaster = false;
                repl.disconnectReplicas();
                repl.backlog = null;
            }
            if (line.startsWith("$EOF:") && line.length() >= 45) {
                eofMark = line.substring(5, 45).getBytes(StandardCharsets.US_ASCII);
                transferSize = -1;
                Log.notice("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk");
            } else {
                eofMark = null;
                transferSize = Long.parseLong(line.substring(1));
                Log.notice("MASTER <-> REPLICA sync: receiving %d bytes from master to disk", transferSize);
            }
            transferHeaderRead = true;
            transferRead = 0;
            tmpPath = repl.server.persistence().rdbPath().resolveSibling(
                    String.format(Locale.ROOT, "temp-%d.%d.rdb", System.currentTimeMillis() / 1000, ProcessHandle.current().pid()));
            tmpFile = FileChannel.open(tmpPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        }
        if (eofMark == null) {
            int n = (int) Math.min(in.readableBytes(), transferSize - transferRead);
            writeTmp(n);
            if (transferRead < transferSize) return false;
        } else {
            int at = ByteBufUtil.indexOf(Unpooled.wrappedBuffer(eofMark), in);
            if (at < 0) {
                // Keep the last bytes back: the mark may be split across reads.
                writeTmp(Math.max(0, in.readableBytes() - (eofMark.length - 1)));
                return false;
            }
            writeTmp(at - in.readerIndex());
            in.skipBytes(eofMark.length);
        }
        applyStart = in.readerIndex();
        return loadTransferred();
    }

    private void writeTmp(int n) throws IOException {
        if (n <= 0) return;
        in.readBytes(tmpFile, transferRead, n);
        transferRead += n;
        in.discardReadBytes();
        applyStart = in.readerIndex();
    }

    /** The whole RDB is on disk: replace the dataset with it (readSyncBulkPayload's second half). */
    private boolean loadTransferred() throws IOException {
        tmpFile.force(true);
        tmpFile.close();
        tmpFile = null;
        Log.notice("MASTER <-> REPLICA sync: Flushing old data");
        for (int i = 0; i < engine.dbCount(); i++) engine.db(i).empty();
        Log.notice("MASTER <-> REPLICA sync: Loading DB in memory");
        RdbLoader.Result res;
        try {
            res = repl.server.persistence().loadRdb(tmpPath);
        } catch (RuntimeException e) {
            Log.warning("Failed trying to load the MASTER synchronization DB from disk, check server logs.");
            cancel();
            return false;
        }
        Log.notice("Done loading RDB, keys loaded: %d, keys expired: %d.", res.keysLoaded, res.keysExpired);
        try {
            Files.move(tmpPath, repl.server.persistence().rdbPath(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Log.warning("Failed trying to rename the temp DB into %s in MASTER <-> REPLICA synchronization: %s",
                    repl.server.persistence().rdbPath().getFileName(), e.getMessage());
            Files.deleteIfExists(tmpPath);
        }
        tmpPath = null;
        repl.id.adopt(pendingReplid, pendingOffset);
        repl.clearReplicationId2();
        repl.createBacklog();
        int streamDb = 0;
        try {
            streamDb = Integer.parseInt(res.aux.getOrDefault("repl-stream-db", "0"));
        } catch (NumberFormatException ignored) {
            // an odd aux field only means the stream starts with its own SELECT
        }
        Log.notice("MASTER <-> REPLICA sync: Finished with success");
        becomeConnected();
        if (streamDb >= 0 && streamDb < engine.dbCount()) masterClient.db = engine.db(streamDb);
        if (repl.server.persistence().aof().configuredOn()) repl.server.persistence().aof().bgrewriteaof();
        sendAck();
        return true;
    }

    private void abortTransfer() {
        try {
            if (tmpFile != null) tmpFile.close();
            if (tmpPath != null) Files.deleteIfExists(tmpPath);
        } catch (IOException ignored) {
            // a leftover temp file is harmless; Redis removes them at the next sync too
        }
        tmpFile = null;
        tmpPath = null;
    }

    /* ---------------- the stream ---------------- */

    private void becomeConnected() {
        masterClient = new Client(engine, engine.nextClientId(), this, PooledByteBufAllocator.DEFAULT.buffer(256));
        masterClient.master = true;
        masterClient.obeyed = true;
        masterClient.authenticated = true;
        masterClient.user = "(superuser)";
        masterClient.suppressReplies(true);
        engine.addClient(masterClient);
        masterClient.db = engine.db(Math.min(lastStreamDb, engine.dbCount() - 1));
        cachedMaster = true;
        downSinceSec = 0;
        setState(State.CONNECTED);
    }

    private int lastStreamDb;

    /** A restarted replica continues in the db its saved stream had selected. */
    void restoreStreamDb(int db) {
        lastStreamDb = db;
    }

    private void dropMasterClient() {
        if (masterClient == null) return;
        lastStreamDb = masterClient.db.id;
        engine.removeClient(masterClient);
        if (masterClient.multi) engine.discardTransaction(masterClient);
        masterClient = null;
    }

    /** Applies every complete command, forwarding the applied bytes (outside MULTI) downstream. */
    private void processStream() {
        while (state == State.CONNECTED && in != null && in.isReadable()) {
            byte[][] argv;
            try {
                argv = parser.parse(in);
            } catch (ProtocolException e) {
                Log.warning("Protocol error from master: %s", e.getMessage());
                cancel();
                return;
            }
            if (argv == null) break;
            if (argv.length >= 2 && eq(argv[0], "replconf") && eq(argv[1], "getack")) {
                // The ack covers what precedes GETACK (Redis updates reploff after the command).
                forwardApplied();
                sendAck();
            } else if (argv.length > 0) {
                masterClient.argv = argv;
                masterClient.argc = argv.length;
                masterClient.lastInteraction = engine.now();
                try {
                    engine.processCommand(masterClient);
                } catch (RuntimeException e) {
                    Log.warning("Error applying '%s' from master: %s", new String(argv[0], StandardCharsets.UTF_8), e);
                    engine.afterCommand();
                }
            }
            if (masterClient != null && !masterClient.multi) forwardApplied();
        }
        if (in != null && applyStart == in.readerIndex() && in.readerIndex() > (32 << 10)) {
            in.discardReadBytes();
            applyStart = in.readerIndex();
        }
    }

    private void forwardApplied() {
        int len = in.readerIndex() - applyStart;
        if (len > 0) repl.feedFromMasterStream(in, applyStart, len);
        applyStart = in.readerIndex();
    }

    /** Case-insensitive match of an argument against a lowercase keyword, without allocating. */
    private static boolean eq(byte[] a, String lower) {
        if (a.length != lower.length()) return false;
        for (int i = 0; i < a.length; i++) {
            int ch = a[i] >= 'A' && a[i] <= 'Z' ? a[i] + 32 : a[i];
            if (ch != lower.charAt(i)) return false;
        }
        return true;
    }

    private void sendAck() {
        if (channel == null) return;
        send("REPLCONF", "ACK", Long.toString(repl.id.offset()));
    }

    /* ---------------- cron, INFO, ROLE ---------------- */

    void cron() {
        long now = System.currentTimeMillis();
        long timeoutMs = repl.config.replTimeout.value() * 1000;
        switch (state) {
            case CONNECT -> connect();
            case CONNECTING, RECEIVE_PING_REPLY, RECEIVE_HANDSHAKE_REPLIES, RECEIVE_PSYNC_REPLY -> {
                if (now - stateSinceMs > timeoutMs) {
                    Log.warning("Timeout connecting to the MASTER...");
                    cancel();
                }
            }
            case TRANSFER -> {
                if (now - lastIoMs > timeoutMs) {
                    Log.warning("Timeout receiving bulk data from MASTER... If the problem persists try to set the "
                            + "'repl-timeout' parameter in redis.conf to a larger value.");
                    cancel();
                }
            }
            case CONNECTED -> {
                if (now - lastIoMs > timeoutMs) {
                    Log.warning("MASTER timeout: no data nor PING received...");
                    Channel ch = channel;
                    if (ch != null) ch.close();
                } else {
                    sendAck();
                }
            }
        }
    }

    void info(StringBuilder sb) {
        long now = System.currentTimeMillis();
        long offset = state == State.CONNECTED || cachedMaster ? repl.id.offset() : 1;
        long readOffset = offset;
        if (state == State.CONNECTED && in != null) readOffset += in.writerIndex() - applyStart;
        Replication.field(sb, "master_host", host);
        Replication.field(sb, "master_port", port);
        Replication.field(sb, "master_link_status", state == State.CONNECTED ? "up" : "down");
        Replication.field(sb, "master_last_io_seconds_ago", state == State.CONNECTED ? (now - lastIoMs) / 1000 : -1);
        Replication.field(sb, "master_sync_in_progress", state == State.TRANSFER ? 1 : 0);
        Replication.field(sb, "slave_read_repl_offset", readOffset);
        Replication.field(sb, "slave_repl_offset", offset);
        if (state == State.TRANSFER) {
            long total = eofMark == null ? transferSize : -1;
            Replication.field(sb, "master_sync_total_bytes", total);
            Replication.field(sb, "master_sync_read_bytes", transferRead);
            Replication.field(sb, "master_sync_left_bytes", total < 0 ? -1 : total - transferRead);
            Replication.field(sb, "master_sync_perc", String.format(Locale.ROOT, "%.2f", total > 0 ? transferRead * 100.0 / total : 0.0));
            Replication.field(sb, "master_sync_last_io_seconds_ago", (now - lastIoMs) / 1000);
        }
        if (state != State.CONNECTED) {
            Replication.field(sb, "master_link_down_since_seconds", downSinceSec == 0 ? -1 : now / 1000 - downSinceSec);
        }
        Replication.field(sb, "slave_priority", repl.config.replicaPriority.value());
        Replication.field(sb, "slave_read_only", repl.config.replicaReadOnly.value() ? 1 : 0);
        Replication.field(sb, "replica_announced", repl.config.replicaAnnounced.value() ? 1 : 0);
    }

    void role(Client c) {
        c.addReplyArrayLen(5);
        c.addReplyBulkString("slave");
        c.addReplyBulkString(host);
        c.addReplyLongLong(port);
        c.addReplyBulkString(switch (state) {
            case CONNECT -> "connect";
            case CONNECTING -> "connecting";
            case RECEIVE_PING_REPLY, RECEIVE_HANDSHAKE_REPLIES, RECEIVE_PSYNC_REPLY -> "handshake";
            case TRANSFER -> "sync";
            case CONNECTED -> "connected";
        });
        c.addReplyLongLong(state == State.CONNECTED ? repl.id.offset() : -1);
    }

    /* ---------------- Connection (the master client's transport) ---------------- */

    @Override public void requestFlush() {
        // the master gets no replies
    }

    @Override public void closeAfterReply() {
        if (channel != null) channel.close();
    }

    @Override public String remoteAddress() {
        return host + ":" + port;
    }

    @Override public String localAddress() {
        if (channel == null || !(channel.localAddress() instanceof java.net.InetSocketAddress a)) return "";
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    @Override public long pendingOutputBytes() {
        return 0;
    }

    @Override public int queryBufferBytes() {
        return in == null ? 0 : in.readableBytes();
    }
}
