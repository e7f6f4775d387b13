package io.magpie.proxy;

import io.magpie.commands.KeyExtraction;
import io.magpie.commands.KeyReferences;
import io.magpie.commands.RedisCommand;
import io.magpie.protocol.ProtocolException;
import io.magpie.protocol.RequestParser;
import io.magpie.protocol.RespWriter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One client of the proxy. Each request takes a slot in a FIFO when it is read; the slot is
 * filled when its reply is known (from a backend, a merge, or the proxy itself), and replies
 * leave strictly in slot order, so a pipeline's replies keep their order whatever order the
 * backends answer in. Routing: a command's keys (from the command table's key specs) pick a
 * shard; keys of several shards fan out for the commands that merge (MGET, MSET, DEL...),
 * and are refused with CROSSSLOT for the others.
 */
final class ClientSession extends ChannelInboundHandlerAdapter {
    static final String CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot";

    /** A reply place in the client's FIFO. */
    private final class Slot implements ReplyCallback {
        ByteBuf frame;
        boolean done;

        @Override
        public void reply(ByteBuf f) {
            frame = f;
            done = true;
            drain();
        }
    }

    final ProxyServer server;
    final LoopState loop;
    final long id;
    private Channel channel;
    private final RequestParser parser = new RequestParser();
    private ByteBuf in;
    private final ArrayDeque<Slot> slots = new ArrayDeque<>();
    private final KeyReferences keys = new KeyReferences();
    int resp = 2;
    private boolean authenticated;
    private String name;
    private boolean closing;
    private boolean closed;

    // MULTI: commands are queued here and sent as one MULTI ... EXEC block to the pinned shard.
    private List<byte[][]> multiQueue;
    private boolean multiDirty;
    private int multiShard = -1;
    // WATCH: a connection of this client's own to the shard of the watched keys.
    private BackendConnection watchLink;
    private int watchShard = -1;
    // Pub/sub: one connection of this client's own; while subscribed everything goes there.
    private BackendConnection pubsubLink;
    private int subscriptions;
    private int subscribesInFlight;
    // Blocking commands: a connection per backend, so a BLPOP never holds a shared connection.
    private Map<Backend, BackendConnection> blockingLinks;

    ClientSession(ProxyServer server, LoopState loop) {
        this.server = server;
        this.loop = loop;
        this.id = server.nextClientId.incrementAndGet();
        this.authenticated = server.config.requirepass == null;
        parser.setAuthRequired(!authenticated);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        server.connectedClients.incrementAndGet();
        server.totalConnections.incrementAndGet();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        if (closing) {
            buf.release();
            return;
        }
        if (in == null) in = buf;
        else {
            if (in.writableBytes() < buf.readableBytes() || in.refCnt() > 1) {
                ByteBuf bigger = server.alloc.buffer(in.readableBytes() + buf.readableBytes());
                bigger.writeBytes(in);
                in.release();
                in = bigger;
            }
            in.writeBytes(buf);
            buf.release();
        }
        parseAvailable();
    }

    /**
     * At most this many requests of one client wait for their replies; past it the proxy stops
     * reading that client (its bytes wait in the socket) until replies have gone out.
     */
    private static final int MAX_WAITING = 8192;

    private boolean parsing;

    private void parseAvailable() {
        if (parsing) return; // a reply completed while a request was being handled: the loop below goes on
        parsing = true;
        try {
            byte[][] argv;
            while (!closing && slots.size() < MAX_WAITING && in != null && (argv = parser.parse(in)) != null) process(argv);
        } catch (ProtocolException e) {
            // The client's own bytes are broken: Redis answers and closes, so do we.
            reply(error(e.getMessage()));
            closing = true;
            drain();
        } finally {
            parsing = false;
        }
        if (in != null && !in.isReadable()) {
            in.release();
            in = null;
        }
        updateAutoRead();
    }

    /** Reads the client while it takes its replies (writable) and has not too many waiting. */
    private void updateAutoRead() {
        if (channel == null || closed) return;
        boolean read = channel.isWritable() && slots.size() < MAX_WAITING;
        if (channel.config().isAutoRead() != read) channel.config().setAutoRead(read);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        updateAutoRead();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // Flushed once the loop's round ends (LoopState.markDirty).
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        server.connectedClients.decrementAndGet();
        if (in != null) {
            in.release();
            in = null;
        }
        for (Slot s : slots) if (s.frame != null) s.frame.release();
        slots.clear();
        if (watchLink != null) watchLink.close("client gone");
        if (pubsubLink != null) pubsubLink.close("client gone");
        if (blockingLinks != null) for (BackendConnection c : blockingLinks.values()) c.close("client gone");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    // ---- reply ordering ----

    private Slot slot() {
        Slot s = new Slot();
        slots.add(s);
        return s;
    }

    /** A reply known now, in its turn. */
    private void reply(ByteBuf frame) {
        slot().reply(frame);
    }

    private void drain() {
        if (closed) {
            for (Slot s : slots) if (s.frame != null) s.frame.release();
            slots.clear();
            return;
        }
        boolean wrote = false;
        while (!slots.isEmpty() && slots.peek().done) {
            Slot s = slots.poll();
            if (s.frame != null) {
                channel.write(s.frame, channel.voidPromise());
                wrote = true;
            }
        }
        if (wrote) loop.markDirty(channel);
        if (!channel.config().isAutoRead() && slots.size() < MAX_WAITING / 2) {
            if (in != null && in.isReadable() && !closing) parseAvailable();
            else updateAutoRead();
        }
        if (closing && slots.isEmpty()) {
            loop.flushDirty();
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private ByteBuf writer(java.util.function.Consumer<RespWriter> body) {
        ByteBuf out = Unpooled.buffer(64);
        body.accept(new RespWriter(out, resp));
        return out;
    }

    private static ByteBuf error(String text) {
        return Resp.error(text);
    }

    private static final ByteBuf OK = Unpooled.unreleasableBuffer(Unpooled.copiedBuffer("+OK\r\n", StandardCharsets.US_ASCII));

    private static ByteBuf ok() {
        return OK.duplicate();
    }

    // ---- dispatch ----

    private void process(byte[][] argv) {
        server.totalCommands.increment();
        int argc = argv.length;
        RedisCommand cmd = server.table.lookupAny(argv, 0, argc);
        if (cmd == null) {
            // PROXY is the proxy's own command: it is in no Redis command table.
            if (authenticated && multiQueue == null && Resp.str(argv[0]).equalsIgnoreCase("proxy")) proxy(argv);
            else if (!authenticated) refuse("NOAUTH Authentication required.");
            else refuse(unknownCommand(argv));
            return;
        }
        if (!cmd.arityOk(argc)) {
            refuse("ERR wrong number of arguments for '" + cmd.fullName + "' command");
            return;
        }
        String top = cmd.parent == null ? cmd.fullName : cmd.parent.fullName;
        if (!authenticated && !top.equals("auth") && !top.equals("hello") && !top.equals("quit")) {
            refuse("NOAUTH Authentication required.");
            return;
        }
        if (pubsubLink != null && (subscriptions > 0 || subscribesInFlight > 0) && !top.equals("quit")) {
            pubsubCommand(top, argv);
            return;
        }
        if (multiQueue != null && !top.equals("exec") && !top.equals("discard") && !top.equals("quit")) {
            queue(cmd, top, argv);
            return;
        }
        switch (top) {
            case "ping" -> reply(argc == 1 ? Unpooled.copiedBuffer("+PONG\r\n", StandardCharsets.US_ASCII) : writer(w -> w.bulk(argv[1])));
            case "echo" -> reply(writer(w -> w.bulk(argv[1])));
            case "quit" -> {
                reply(ok());
                closing = true;
                drain();
            }
            case "auth" -> auth(argv);
            case "hello" -> hello(argv);
            case "select" -> select(argv);
            case "info" -> reply(writer(w -> w.verbatim(ProxyInfo.render(server, argv), "txt")));
            case "client" -> client(cmd, argv);
            case "multi" -> {
                multiQueue = new ArrayList<>();
                multiDirty = false;
                multiShard = -1;
                reply(ok());
            }
            case "exec" -> {
                if (multiQueue != null) exec(argv);
                else reply(error("ERR EXEC without MULTI"));
            }
            case "discard" -> {
                if (multiQueue != null) discard();
                else reply(error("ERR DISCARD without MULTI"));
            }
            case "watch" -> watch(argv);
            case "unwatch" -> unwatch(argv);
            case "mget" -> keyedFanOut(cmd, argv, 1, FanOut.Merge.MGET);
            case "mset" -> keyedFanOut(cmd, argv, 2, FanOut.Merge.MSET);
            case "del", "unlink", "exists", "touch" -> keyedFanOut(cmd, argv, 1, FanOut.Merge.SUM);
            case "dbsize" -> everyMaster(server.router.keyspaces(), argv, FanOut.Merge.SUM);
            case "keys" -> everyMaster(server.router.keyspaces(), argv, FanOut.Merge.CONCAT);
            case "flushall", "flushdb" -> everyMaster(argv, FanOut.Merge.ALL_OK);
            case "scan" -> scan(argv);
            case "script", "function" -> scriptOrFunction(cmd, argv);
            case "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe" -> pubsubCommand(top, argv);
            case "publish", "pubsub" -> send(server.router.defaultBackend(), argv, slot());
            // A shard channel lives on its slot's (or its server's) shard, as a key would.
            case "spublish" -> server.router.send(loop, server.router.shard(argv[1]), false, argv, resp, slot());
            case "monitor", "sync", "psync", "replicaof", "slaveof", "shutdown", "failover", "reset", "cluster", "readonly",
                 "readwrite", "asking", "migrate", "move", "swapdb" ->
                    reply(error("ERR magpie-proxy does not support '" + cmd.fullName + "'"));
            default -> route(cmd, argv);
        }
    }

    private void refuse(String err) {
        if (multiQueue != null) multiDirty = true;
        reply(error(err));
    }

    private static String unknownCommand(byte[][] argv) {
        StringBuilder sb = new StringBuilder("ERR unknown command '").append(truncate(argv[0])).append("', with args beginning with: ");
        for (int i = 1; i < argv.length && sb.length() < 128; i++) sb.append('\'').append(truncate(argv[i])).append("' ");
        return sb.toString();
    }

    private static String truncate(byte[] b) {
        String s = new String(b, StandardCharsets.UTF_8);
        return s.length() > 128 ? s.substring(0, 128) : s;
    }

    /** The shard of all the command's keys: -2 when it has none, -3 when they span shards, -1 when no server is live. */
    private int shardOfKeys(RedisCommand cmd, byte[][] argv) {
        if (!KeyExtraction.hasKeys(cmd)) return -2;
        int n = KeyExtraction.getKeys(cmd, argv, 0, argv.length, keys);
        if (n == 0) return -2;
        int shard = server.router.shard(argv[keys.position(0)]);
        for (int i = 1; i < n; i++) if (server.router.shard(argv[keys.position(i)]) != shard) return -3;
        return shard;
    }

    private void route(RedisCommand cmd, byte[][] argv) {
        int shard = shardOfKeys(cmd, argv);
        if (shard == -3) {
            reply(error(CROSSSLOT));
            return;
        }
        boolean blocking = cmd.flags.contains("blocking");
        if (shard == -2) {
            Backend b = server.router.defaultBackend();
            if (blocking) blockingLink(b).send(argv, slot());
            else send(b, argv, slot());
            return;
        }
        if (shard == -1) {
            reply(error("ERR magpie-proxy: no live backend server"));
            return;
        }
        if (blocking) {
            Backend b = server.router.backend(shard, false);
            blockingLink(b).send(argv, slot());
            return;
        }
        server.router.send(loop, shard, cmd.readonly && !cmd.write, argv, resp, slot());
    }

    private void send(Backend b, byte[][] argv, ReplyCallback cb) {
        if (b == null) cb.reply(error("ERR magpie-proxy: no live backend server"));
        else loop.shared(b, resp).send(argv, cb);
    }

    private BackendConnection blockingLink(Backend b) {
        if (blockingLinks == null) blockingLinks = new HashMap<>();
        BackendConnection c = blockingLinks.get(b);
        if (c == null || c.isClosed()) {
            c = loop.dedicated(b, resp);
            blockingLinks.put(b, c);
        }
        return c;
    }

    // ---- fan-out ----

    /**
     * MGET, MSET, DEL...: keys grouped by shard, one sub-command per shard, replies merged.
     * All keys on one shard: the command goes whole, and its reply straight back.
     */
    private void keyedFanOut(RedisCommand cmd, byte[][] argv, int step, FanOut.Merge merge) {
        int nkeys = (argv.length - 1) / step;
        if ((argv.length - 1) % step != 0) {
            reply(error("ERR wrong number of arguments for '" + cmd.fullName + "' command"));
            return;
        }
        Map<Integer, List<Integer>> byShard = new java.util.LinkedHashMap<>();
        for (int k = 0; k < nkeys; k++) {
            int shard = server.router.shard(argv[1 + k * step]);
            if (shard < 0) {
                reply(error("ERR magpie-proxy: no live backend server"));
                return;
            }
            byShard.computeIfAbsent(shard, s -> new ArrayList<>()).add(k);
        }
        if (byShard.size() == 1) {
            server.router.send(loop, byShard.keySet().iterator().next(), cmd.readonly && !cmd.write, argv, resp, slot());
            return;
        }
        int parts = byShard.size();
        String[] labels = new String[parts];
        int[][] positions = new int[parts][];
        byte[][][] subs = new byte[parts][][];
        int[] shards = new int[parts];
        int p = 0;
        for (Map.Entry<Integer, List<Integer>> e : byShard.entrySet()) {
            List<Integer> ks = e.getValue();
            byte[][] sub = new byte[1 + ks.size() * step][];
            sub[0] = argv[0];
            positions[p] = new int[ks.size()];
            for (int j = 0; j < ks.size(); j++) {
                int k = ks.get(j);
                positions[p][j] = k;
                System.arraycopy(argv, 1 + k * step, sub, 1 + j * step, step);
            }
            subs[p] = sub;
            shards[p] = e.getKey();
            Backend b = server.router.backend(e.getKey(), false);
            labels[p] = b == null ? "shard " + e.getKey() : b.address;
            p++;
        }
        FanOut f = new FanOut(merge, cmd.fullName.toUpperCase(java.util.Locale.ROOT), labels, positions, nkeys, resp, slot());
        for (int i = 0; i < parts; i++) server.router.send(loop, shards[i], cmd.readonly && !cmd.write, subs[i], resp, f.part(i));
    }

    /** DBSIZE, KEYS, FLUSHALL...: the same command to every master. */
    private void everyMaster(byte[][] argv, FanOut.Merge merge) {
        everyMaster(server.router.masters(), argv, merge);
    }

    private void everyMaster(List<Backend> masters, byte[][] argv, FanOut.Merge merge) {
        if (masters.isEmpty()) {
            reply(error("ERR magpie-proxy: no live backend server"));
            return;
        }
        String[] labels = new String[masters.size()];
        for (int i = 0; i < labels.length; i++) labels[i] = masters.get(i).address;
        FanOut f = new FanOut(merge, Resp.str(argv[0]), labels, null, 0, resp, slot());
        for (int i = 0; i < labels.length; i++) send(masters.get(i), argv, f.part(i));
    }

    private void scriptOrFunction(RedisCommand cmd, byte[][] argv) {
        switch (cmd.fullName) {
            case "script|load", "script|flush", "function|load", "function|delete", "function|flush", "function|restore" ->
                    everyMaster(argv, FanOut.Merge.FIRST);
            default -> send(server.router.defaultBackend(), argv, slot());
        }
    }

    /**
     * SCAN over every master in turn. The proxy's cursor is backendCursor × masters + index:
     * it says which master to ask and where that master's own cursor stands. When a master's
     * cursor comes back 0 the walk moves to the next master; after the last, 0.
     */
    private void scan(byte[][] argv) {
        List<Backend> masters = server.router.keyspaces();
        int n = masters.size();
        if (n == 0) {
            reply(error("ERR magpie-proxy: no live backend server"));
            return;
        }
        long cursor;
        try {
            cursor = Long.parseUnsignedLong(Resp.str(argv[1]));
        } catch (NumberFormatException e) {
            reply(error("ERR invalid cursor"));
            return;
        }
        int index = (int) Long.remainderUnsigned(cursor, n);
        long backendCursor = Long.divideUnsigned(cursor, n);
        byte[][] sub = argv.clone();
        sub[1] = Long.toUnsignedString(backendCursor).getBytes(StandardCharsets.US_ASCII);
        Slot slot = slot();
        send(masters.get(index), sub, frame -> {
            Object r;
            try {
                r = Replies.decode(frame.duplicate());
            } catch (RuntimeException e) {
                r = null;
            }
            if (!(r instanceof List<?> l) || l.size() != 2 || !(l.get(0) instanceof byte[] next)) {
                slot.reply(frame);
                return;
            }
            frame.release();
            long nextCursor = Long.parseUnsignedLong(new String(next, StandardCharsets.US_ASCII));
            long proxyCursor;
            if (nextCursor == 0) proxyCursor = index + 1 == n ? 0 : index + 1;
            else if (Long.compareUnsigned(nextCursor, Long.divideUnsigned(-1L - index, n)) > 0) {
                slot.reply(error("ERR magpie-proxy: backend cursor too large to encode"));
                return;
            } else proxyCursor = nextCursor * n + index;
            long c = proxyCursor;
            slot.reply(writer(w -> {
                w.arrayLen(2);
                w.bulk(Long.toUnsignedString(c));
                FanOut.write(w, l.get(1));
            }));
        });
    }

    // ---- transactions ----

    private void queue(RedisCommand cmd, String top, byte[][] argv) {
        if (top.equals("multi")) {
            refuse("ERR MULTI calls can not be nested");
            return;
        }
        if (top.equals("watch")) {
            refuse("ERR WATCH inside MULTI is not allowed");
            return;
        }
        if (cmd.noMulti) {
            refuse("ERR Command not allowed inside a transaction");
            return;
        }
        int shard = shardOfKeys(cmd, argv);
        if (shard == -3 || (shard >= 0 && ((multiShard >= 0 && shard != multiShard) || (watchShard >= 0 && shard != watchShard)))) {
            refuse(CROSSSLOT);
            return;
        }
        if (shard == -1) {
            refuse("ERR magpie-proxy: no live backend server");
            return;
        }
        if (shard >= 0) multiShard = shard;
        multiQueue.add(argv);
        reply(Unpooled.copiedBuffer("+QUEUED\r\n", StandardCharsets.US_ASCII));
    }

    private void exec(byte[][] argv) {
        List<byte[][]> queued = multiQueue;
        multiQueue = null;
        if (multiDirty) {
            reply(error("EXECABORT Transaction discarded because of previous errors."));
            endWatch();
            return;
        }
        BackendConnection c;
        if (watchLink != null && watchShard >= 0) c = watchLink;
        else {
            int shard = multiShard >= 0 ? multiShard : -2;
            Backend b = shard >= 0 ? server.router.backend(shard, false) : server.router.defaultBackend();
            if (b == null) {
                reply(error("ERR magpie-proxy: no live backend server"));
                return;
            }
            c = loop.shared(b, resp);
        }
        // Written back to back from this thread: no other client's command can fall between them.
        c.send(Resp.args("MULTI"), ReplyCallback.DISCARD);
        for (byte[][] q : queued) c.send(q, ReplyCallback.DISCARD);
        c.send(argv, slot());
        watchShard = -1;
    }

    private void discard() {
        multiQueue = null;
        reply(ok());
        endWatch();
    }

    private void endWatch() {
        if (watchLink != null && watchShard >= 0) watchLink.send(Resp.args("UNWATCH"), ReplyCallback.DISCARD);
        watchShard = -1;
    }

    private void watch(byte[][] argv) {
        int shard = server.router.shard(argv[1]);
        for (int i = 2; i < argv.length; i++) {
            if (server.router.shard(argv[i]) != shard) {
                reply(error(CROSSSLOT));
                return;
            }
        }
        if (shard < 0) {
            reply(error("ERR magpie-proxy: no live backend server"));
            return;
        }
        if (watchShard >= 0 && watchShard != shard) {
            reply(error(CROSSSLOT));
            return;
        }
        Backend b = server.router.backend(shard, false);
        if (watchLink == null || watchLink.isClosed() || watchLink.backend != b) {
            if (watchLink != null) watchLink.close("rewatched");
            watchLink = loop.dedicated(b, resp);
        }
        watchShard = shard;
        watchLink.send(argv, slot());
    }

    private void unwatch(byte[][] argv) {
        if (watchLink != null && !watchLink.isClosed()) watchLink.send(argv, slot());
        else reply(ok());
        watchShard = -1;
    }

    // ---- pub/sub ----

    private static boolean isSubscribe(String top) {
        return top.equals("subscribe") || top.equals("psubscribe") || top.equals("ssubscribe");
    }

    /**
     * Pub/sub commands go to this client's own connection, and every frame it sends back (the
     * confirmations, then the messages) is passed on in arrival order. While subscribed, all
     * the client's commands go there, as Redis's subscribed context expects.
     */
    private void pubsubCommand(String top, byte[][] argv) {
        if (pubsubLink == null || pubsubLink.isClosed()) {
            Backend b = top.equals("ssubscribe") || top.equals("sunsubscribe") && argv.length > 1
                    ? server.router.backend(server.router.shard(argv[1]), false) : server.router.defaultBackend();
            if (b == null) {
                reply(error("ERR magpie-proxy: no live backend server"));
                return;
            }
            BackendConnection link = loop.dedicated(b, resp);
            link.pushSink(frame -> pushed(link, frame));
            pubsubLink = link;
            subscriptions = 0;
            subscribesInFlight = 0;
        }
        if (isSubscribe(top)) subscribesInFlight += argv.length - 1;
        pubsubLink.sendUntracked(argv);
    }

    private void pushed(BackendConnection link, ByteBuf frame) {
        if (link != pubsubLink) {
            if (frame != null) frame.release();
            return;
        }
        if (frame == null) { // the backend went away: the subscriptions are gone with it
            subscriptions = 0;
            subscribesInFlight = 0;
            pubsubLink = null;
            return;
        }
        Object v;
        try {
            v = Replies.decode(frame.duplicate());
        } catch (RuntimeException e) {
            v = null;
        }
        if (v instanceof List<?> l && l.size() == 3 && l.get(0) instanceof byte[] kind && l.get(2) instanceof Long count) {
            String k = new String(kind, StandardCharsets.US_ASCII).toLowerCase(java.util.Locale.ROOT);
            if (k.endsWith("subscribe")) {
                if (isSubscribe(k)) subscribesInFlight = Math.max(0, subscribesInFlight - 1);
                subscriptions = (int) (long) count;
            }
        }
        reply(frame);
    }

    // ---- connection commands the proxy answers ----

    private void auth(byte[][] argv) {
        String pass = Resp.str(argv[argv.length - 1]);
        String user = argv.length == 3 ? Resp.str(argv[1]) : "default";
        if (server.config.requirepass == null) {
            if (argv.length == 2) {
                reply(error("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"));
                return;
            }
        }
        String err = checkPassword(user, pass);
        if (err != null) {
            reply(error(err));
            return;
        }
        reply(ok());
    }

    private String checkPassword(String user, String pass) {
        String required = server.config.requirepass;
        boolean good = user.equals("default") && (required == null || required.equals(pass));
        if (!good) return "WRONGPASS invalid username-password pair or user is disabled.";
        authenticated = true;
        parser.setAuthRequired(false);
        return null;
    }

    private void hello(byte[][] argv) {
        int proto = resp;
        int i = 1;
        if (argv.length > 1) {
            Long v = Resp.strictLong(argv[1]);
            if (v == null || (v != 2 && v != 3)) {
                reply(error("NOPROTO unsupported protocol version"));
                return;
            }
            proto = (int) (long) v;
            i = 2;
        }
        for (; i < argv.length; i++) {
            String opt = Resp.str(argv[i]).toLowerCase(java.util.Locale.ROOT);
            if (opt.equals("auth") && i + 2 < argv.length) {
                String err = checkPassword(Resp.str(argv[i + 1]), Resp.str(argv[i + 2]));
                if (err != null) {
                    reply(error(err));
                    return;
                }
                i += 2;
            } else if (opt.equals("setname") && i + 1 < argv.length) {
                name = Resp.str(argv[++i]);
            } else {
                reply(error("ERR Syntax error in HELLO option '" + Resp.str(argv[i]) + "'"));
                return;
            }
        }
        if (!authenticated) {
            reply(error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"));
            return;
        }
        resp = proto;
        int p = proto;
        reply(writer(w -> {
            w.mapLen(7);
            w.bulk("server");
            w.bulk("redis");
            w.bulk("version");
            w.bulk("7.0.15");
            w.bulk("proto");
            w.integer(p);
            w.bulk("id");
            w.integer(id);
            w.bulk("mode");
            w.bulk("standalone");
            w.bulk("role");
            w.bulk("master");
            w.bulk("modules");
            w.arrayLen(0);
        }));
    }

    private void select(byte[][] argv) {
        Long db = Resp.strictLong(argv[1]);
        if (db == null) {
            reply(error("ERR value is not an integer or out of range"));
        } else if (db != 0) {
            reply(error("ERR SELECT is not allowed in cluster mode"));
        } else {
            reply(ok());
        }
    }

    private void client(RedisCommand cmd, byte[][] argv) {
        switch (cmd.fullName) {
            case "client|setname" -> {
                name = Resp.str(argv[2]);
                reply(ok());
            }
            case "client|getname" -> reply(writer(w -> {
                if (name == null || name.isEmpty()) w.nullBulk();
                else w.bulk(name);
            }));
            case "client|id" -> reply(writer(w -> w.integer(id)));
            case "client|tracking", "client|reply", "client|caching", "client|pause", "client|unpause", "client|kill", "client|no-evict" ->
                    reply(error("ERR magpie-proxy does not support '" + cmd.fullName + "'"));
            default -> send(server.router.defaultBackend(), argv, slot());
        }
    }

    private void proxy(byte[][] argv) {
        String sub = argv.length > 1 ? Resp.str(argv[1]).toLowerCase(java.util.Locale.ROOT) : "help";
        switch (sub) {
            case "map" -> reply(writer(w -> w.verbatim(server.router.describe(), "txt")));
            case "reload" -> {
                String err = server.router.reload(server);
                reply(err == null ? ok() : error(err));
            }
            case "help" -> reply(writer(w -> {
                w.arrayLen(3);
                w.status("PROXY MAP -- the backend map: servers and their state, or the cluster's slot ranges.");
                w.status("PROXY RELOAD -- re-read the servers list from the config file, or the cluster's slots.");
                w.status("PROXY HELP -- this help.");
            }));
            default -> reply(error("ERR unknown subcommand '" + Resp.str(argv[1]) + "'. Try PROXY HELP."));
        }
    }
}
