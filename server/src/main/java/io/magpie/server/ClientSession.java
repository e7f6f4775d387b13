package io.magpie.server;

import io.magpie.engine.Client;
import io.magpie.engine.Connection;
import io.magpie.engine.Engine;
import io.magpie.protocol.ProtocolException;
import io.magpie.protocol.RequestParser;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * One client connection (Redis's networking.c for one client). Runs on the event loop
 * that owns the keyspace, so a command is parsed and executed where the bytes arrive, and
 * the replies of a whole read (a pipeline) go out in one write — the same shape as Redis's
 * readQueryFromClient / processInputBuffer / beforeSleep flush.
 */
public final class ClientSession extends ChannelInboundHandlerAdapter implements Connection {
    private final MagpieServer server;
    private final Engine engine;
    private final RequestParser parser = new RequestParser();
    private Channel channel;
    private Client client;
    private ByteBuf query;
    /** Replies waiting for the socket; created with the channel. */
    private ReplyQueue replies;
    /** Redis's sizes for this client's buffers (CLIENT LIST qbuf-free, rbs, rbp, tot-mem). */
    private final RedisBufferSizes sizes = new RedisBufferSizes();
    /** The query bytes of the batch being executed: Redis trims its buffer only after the batch (CLIENT LIST qbuf). */
    private int batchBytes = -1;
    /** Replies produced since the last flush (what Redis's static reply buffer would have held). */
    private long replyBytesAtFlush;
    private boolean flushScheduled;
    private boolean closing;
    private long softLimitReachedAt;
    private String remote = "?", local = "?";
    /** A command that arrived during CLIENT PAUSE and waits for its end. */
    private byte[][] postponedArgv;

    ClientSession(MagpieServer server) {
        this.server = server;
        this.engine = server.engine();
    }

    public Client client() {
        return client;
    }

    public Channel channel() {
        return channel;
    }

    /**
     * Writes bytes straight to the socket after the replies already produced (a replica's
     * +FULLRESYNC line, snapshot and stream do not go through the reply buffer).
     */
    public void writeDirect(io.netty.buffer.ByteBuf buf) {
        if (channel == null || closing) {
            buf.release();
            return;
        }
        flush();
        writeReplies(true);
        channel.writeAndFlush(buf, channel.voidPromise());
    }

    /** The socket's file descriptor where the transport has one (CLIENT LIST fd), else -1. */
    public int fd() {
        return channel instanceof io.netty.channel.unix.UnixChannel u ? u.fd().intValue() : -1;
    }

    /**
     * The query buffer's length as Redis's CLIENT LIST shows it (qbuf): while this client's
     * commands run, the whole batch read, the running command included; else what waits.
     */
    public int queryBufferLength() {
        return batchBytes >= 0 ? batchBytes : queryBufferBytes();
    }

    /** Free space in the query buffer as Redis's would have it (CLIENT LIST qbuf-free). */
    public long queryBufferFree() {
        return Math.max(0, sizes.queryAlloc() - queryBufferLength());
    }

    /** The query buffer's allocation as Redis's would be (part of CLIENT LIST tot-mem). */
    public long queryBufferMemory() {
        return sizes.queryMemory();
    }

    /** The reply buffer's size and peak as Redis's (CLIENT LIST rbs and rbp). */
    public int replyBufferSize() {
        return sizes.replyUsable();
    }

    public int replyBufferPeak() {
        return sizes.replyPeak();
    }

    /** clientsCron's buffer resizing, on Redis's rules (see {@link RedisBufferSizes}). */
    void resizeBuffersCron(long nowMs) {
        sizes.cron(queryBufferBytes(), (nowMs - client.lastInteraction) / 1000, nowMs);
    }

    /** True while replies wait for the socket (CLIENT LIST events=rw). */
    public boolean hasPendingWrites() {
        return pendingOutputBytes() > 0;
    }

    /** Replies produced in the current buffer, not yet in the reply list (CLIENT LIST obl). */
    public int outputBufferBytes() {
        return client.output().readableBytes();
    }

    /** Pieces in the reply list (CLIENT LIST oll). */
    public int replyListLength() {
        return replies == null ? 0 : replies.size();
    }

    /** Bytes in the reply list, not yet handed to the socket. */
    public long replyListBytes() {
        return replies == null ? 0 : replies.bytes();
    }

    /** Replies handed to the socket but not yet written (CLIENT LIST omem). */
    public long socketPendingBytes() {
        ChannelOutboundBuffer ob = channel == null ? null : channel.unsafe().outboundBuffer();
        return ob == null ? 0 : ob.totalPendingWriteBytes();
    }

    /** Replies handed to the channel but not yet written (part of CLIENT LIST oll). */
    public int socketPendingPieces() {
        ChannelOutboundBuffer ob = channel == null ? null : channel.unsafe().outboundBuffer();
        return ob == null ? 0 : ob.size();
    }

    /** A connection to the unixsocket (CLIENT LIST's U flag). */
    public boolean unixSocket() {
        return channel instanceof io.netty.channel.unix.DomainSocketChannel;
    }

    public boolean paused() {
        return postponedArgv != null;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        remote = format(channel.remoteAddress());
        local = format(channel.localAddress());
        if (unixSocket()) remote = local; // the peer of a unix socket has no name: Redis shows the socket's path for both
        client = new Client(engine, engine.nextClientId(), this, ctx.alloc().buffer(1024));
        replies = new ReplyQueue(ctx.alloc());
        client.writer().chain(replies);
        if (engine.clients().size() >= server.config().maxclients.value()) {
            engine.stats.rejectedConnections++;
            client.writer().error("ERR max number of clients reached");
            flush();
            closing = true;
            channel.close();
            return;
        }
        if (ProtectedMode.denies(server.config(), engine, channel.remoteAddress())) {
            engine.stats.rejectedConnections++;
            client.writer().error(ProtectedMode.DENIED);
            flush();
            closing = true;
            channel.close();
            return;
        }
        engine.addClient(client);
        server.sessionOpened(this);
        parser.setMaxBulkLen(server.config().protoMaxBulkLen.value());
        parser.setAuthRequired(!client.authenticated);
    }

    private static String format(SocketAddress a) {
        if (a instanceof InetSocketAddress i) {
            String host = i.getAddress() == null ? i.getHostString() : i.getAddress().getHostAddress();
            return host + ":" + i.getPort();
        }
        if (a instanceof io.netty.channel.unix.DomainSocketAddress d) return d.path() + ":0";
        return String.valueOf(a);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        engine.stats.netInputBytes += in.readableBytes();
        engine.stats.totalReadsProcessed++;
        if (closing) {
            in.release();
            return;
        }
        sizes.queryRead(queryBufferBytes(), in.readableBytes());
        if (query == null) {
            query = in;
        } else {
            if (query.writableBytes() < in.readableBytes()) {
                // Grow geometrically: a big argument arrives in many reads, and copying the
                // whole buffer for each of them would be quadratic.
                int needed = query.readableBytes() + in.readableBytes();
                int capacity = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(needed, 2L * query.readableBytes()));
                ByteBuf bigger = ctx.alloc().buffer(capacity);
                bigger.writeBytes(query);
                query.release();
                query = bigger;
            }
            query.writeBytes(in);
            in.release();
        }
        processInputBuffer();
    }

    /** Parses and runs every complete command in the query buffer (processInputBuffer). */
    void processInputBuffer() {
        // CONFIG SET proto-max-bulk-len applies to connections already open, as in Redis.
        parser.setMaxBulkLen(server.config().protoMaxBulkLen.value());
        batchBytes = queryBufferBytes();
        try {
            processCommands();
        } finally {
            batchBytes = -1;
        }
        if (query != null && !query.isReadable()) {
            query.release();
            query = null;
        } else if (query != null && query.readerIndex() > 64 * 1024) {
            query.discardReadBytes();
        }
        checkOutputLimits();
    }

    private void processCommands() {
        while (!closing && !client.blocked && postponedArgv == null && query != null && query.isReadable()) {
            byte[][] argv;
            try {
                argv = parser.parse(query);
            } catch (ProtocolException e) {
                Log.verbose("Protocol error (%s) from client: id=%d addr=%s", e.getMessage(), client.id, remote);
                engine.stats.countError(e.getMessage());
                client.writer().error(e.getMessage());
                closeAfterReply();
                break;
            }
            if (argv == null) {
                if (query.readableBytes() > server.config().clientQueryBufferLimit.value()) {
                    Log.warning("Closing client that reached max query buffer length: id=%d addr=%s (qbuf initial bytes: %s)",
                            client.id, remote, "...");
                    engine.stats.clientQbufLimitDisconnections++;
                    closeNow();
                }
                break;
            }
            for (byte[] a : argv) {
                if (a.length >= RedisBufferSizes.MBULK_BIG_ARG) sizes.bigArgTaken(a.length);
            }
            if (server.paused() && server.mustPostpone(client, lookup(argv))) {
                postponedArgv = argv;
                client.cmd = lookup(argv); // CLIENT LIST shows the command waiting, as Redis's lastcmd
                server.postpone(this);
                break;
            }
            if (!execute(argv)) break;
        }
    }

    private io.magpie.commands.RedisCommand lookup(byte[][] argv) {
        io.magpie.commands.RedisCommand cmd = engine.commands.lookup(argv[0]);
        if (cmd != null && cmd.hasSubcommands() && argv.length > 1) {
            io.magpie.commands.RedisCommand sub = cmd.subcommand(argv[1]);
            if (sub != null) return sub;
        }
        return cmd;
    }

    /** Runs one command; false when the connection is closing and input must stop. */
    private boolean execute(byte[][] argv) {
        client.argv = argv;
        client.argc = argv.length;
        // CLIENT REPLY SKIP silences exactly the command after it.
        boolean skipThis = client.replyMode == Client.ReplyMode.SKIP_NEXT;
        if (skipThis) {
            client.replyMode = Client.ReplyMode.SKIP;
            client.suppressReplies(true);
        }
        long start = System.nanoTime();
        try {
            engine.processCommand(client);
            io.magpie.engine.Tracking.afterCommand(client, client.cmd);
            client.woff = server.replication().masterReplOffset();
            long threshold = engine.config.latencyMonitorThreshold.value();
            if (threshold > 0) {
                long ms = (System.nanoTime() - start) / 1_000_000;
                boolean fast = client.cmd != null && client.cmd.fast;
                server.latency().addSampleIfNeeded(threshold, fast ? "fast-command" : "command", ms, engine.now());
            }
        } catch (RuntimeException e) {
            // A bug in one command must not take the server down; report it like Redis's
            // internal errors and keep serving.
            Log.warning("Internal error executing '%s' for client id=%d: %s", new String(argv[0]), client.id, e);
            engine.afterCommand();
            client.addReplyError("ERR internal error: " + e);
        }
        if (skipThis && client.replyMode == Client.ReplyMode.SKIP) {
            client.replyMode = Client.ReplyMode.ON;
            client.suppressReplies(false);
        } else if (client.replyMode == Client.ReplyMode.SKIP_NEXT) {
            client.suppressReplies(false);
        }
        if (client.repliesSuppressed()) client.discardSuppressed();
        client.writer().endOfReply();
        parser.setAuthRequired(!client.authenticated);
        if (client.closeAfterReply) {
            closeAfterReply();
            return false;
        }
        checkOutputLimits();
        return !closing;
    }

    /** The pause ended: run the command that waited, then the rest of the input. */
    void resumePostponed() {
        byte[][] argv = postponedArgv;
        postponedArgv = null;
        if (argv == null || closing || channel == null) return;
        if (execute(argv)) processInputBuffer();
        flush();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // Redis's beforeSleep: the keys changed in this pass go to BCAST clients as one message.
        // Not from a long script's hook: its writes so far are not a finished pass.
        if (!engine.scripting.scriptRunning()) engine.tracking.broadcastInvalidationMessages();
        if (!server.deferReplyUntilAofSynced(this)) flush();
    }

    /** Writes what the client's buffer holds to the socket (after the AOF buffer reached the file). */
    public void flush() {
        flushScheduled = false;
        if (channel == null) return;
        server.persistence().aof().flushBeforeReply();
        ByteBuf out = client.output();
        sizes.replyWritten(out.readableBytes() + replies.bytes() - replyBytesAtFlush);
        if (out.isReadable()) {
            replies.append(out);
            client.output(channel.alloc().buffer(Math.max(256, Math.min(out.capacity(), 64 * 1024))));
        }
        // A replica's link also carries bytes written around the queue: keep them in order.
        writeReplies(client.replica);
    }

    /** Hands queued replies to the socket while it accepts them (writeToClient). */
    private void writeReplies(boolean all) {
        long n = replies.writeTo(channel, all);
        replyBytesAtFlush = replies.bytes();
        if (n > 0) {
            engine.stats.netOutputBytes += n;
            engine.stats.totalWritesProcessed++;
        }
    }

    /** The socket drained what it had: send the next pieces of the reply list. */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (channel != null && channel.isWritable() && !replies.isEmpty()) {
            writeReplies(false);
            checkOutputLimits();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void requestFlush() {
        if (flushScheduled || channel == null) return;
        flushScheduled = true;
        channel.eventLoop().execute(() -> {
            flush();
            checkOutputLimits();
        });
    }

    @Override
    public void closeAfterReply() {
        if (closing) return;
        closing = true;
        flush();
        writeReplies(true);
        // Close once the last reply is on the wire, not while it still waits in the channel.
        channel.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
    }

    /** Closes without sending pending replies (limits exceeded, CLIENT KILL). */
    public void closeNow() {
        closing = true;
        if (channel != null) channel.close();
    }

    @Override
    public String remoteAddress() {
        return remote;
    }

    @Override
    public String localAddress() {
        return local;
    }

    @Override
    public boolean tls() {
        return channel != null && channel.pipeline().get(io.netty.handler.ssl.SslHandler.class) != null;
    }

    @Override
    public long pendingOutputBytes() {
        long n = client.output().readableBytes() + replyListBytes();
        ChannelOutboundBuffer ob = channel == null ? null : channel.unsafe().outboundBuffer();
        if (ob != null) n += ob.totalPendingWriteBytes();
        return n;
    }

    @Override
    public int queryBufferBytes() {
        return query == null ? 0 : query.readableBytes();
    }

    /** Output buffer limits (checkClientOutputBufferLimits): hard limit, or soft limit for too long. */
    void checkOutputLimits() {
        if (closing) return;
        OutputBufferLimit limits = server.config().clientOutputBufferLimit;
        int cls = client.replica ? 1 : client.isSubscribed() ? 2 : 0;
        long hard = limits.hard[cls], soft = limits.soft[cls];
        if (hard == 0 && soft == 0) return;
        long used = pendingOutputBytes();
        boolean overHard = hard > 0 && used >= hard;
        boolean overSoft = soft > 0 && used >= soft;
        if (overSoft && !overHard) {
            long now = engine.now();
            if (softLimitReachedAt == 0) {
                softLimitReachedAt = now;
            } else if ((now - softLimitReachedAt) / 1000 >= limits.softSeconds[cls]) {
                overHard = true;
            }
        } else if (!overSoft) {
            softLimitReachedAt = 0;
        }
        if (overHard) {
            Log.warning("Client id=%d addr=%s closed for overcoming of output buffer limits.", client.id, remote);
            engine.stats.clientOutbufLimitDisconnections++;
            closeNow();
        }
    }

    /** The client was unblocked: run what it pipelined behind the blocking command. */
    void resume() {
        if (channel != null && !closing && !client.blocked) {
            processInputBuffer();
            flush();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        if (query != null) {
            query.release();
            query = null;
        }
        if (client != null) {
            engine.removeClient(client);
            server.sessionClosed(this);
            ByteBuf out = client.output();
            if (out.refCnt() > 0) out.release();
        }
        if (replies != null) replies.release();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause.getCause() instanceof javax.net.ssl.SSLException tls) {
            // A failed handshake (no certificate, an untrusted one): verbose in Redis's log too.
            Log.verbose("Error accepting a client connection: %s (addr=%s laddr=%s)", tls.getMessage(), remote, local);
        } else if (!(cause instanceof java.io.IOException)) {
            Log.warning("Error on client id=%d addr=%s: %s", client == null ? -1 : client.id, remote, cause);
        }
        ctx.close();
    }
}
