package io.magpie.server.replication;

import io.magpie.engine.keyspace.KeyspaceSnapshot;
import io.magpie.persistence.Persistence;
import io.magpie.persistence.rdb.RdbSaver;
import io.magpie.persistence.rdb.RdbWriter;
import io.magpie.server.Log;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.DefaultFileRegion;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The snapshot of one full sync, shared by the replicas that were waiting when it started.
 * Both forms use the fork-free keyspace snapshot; the stream written meanwhile waits in
 * each replica's queue and follows the snapshot.
 */
abstract class FullSync {
    final Replication repl;
    final List<ReplicaConnection> batch;

    FullSync(Replication repl, List<ReplicaConnection> batch) {
        this.repl = repl;
        this.batch = new ArrayList<>(batch);
    }

    abstract void start() throws IOException;

    /** A replica of the batch disconnected. */
    abstract void replicaGone(ReplicaConnection r);

    /** Abandons the sync (REPLICAOF, SHUTDOWN). */
    abstract void abort();

    /**
     * repl-diskless-sync yes: the RDB goes straight to the sockets in the EOF-marker form
     * ($EOF:<40 bytes>, the RDB, the same 40 bytes), stepped on the keyspace thread like
     * BGSAVE and paused while a socket has more than {@link #MAX_UNSENT} bytes unsent, so a
     * slow replica bounds the memory the transfer takes.
     */
    static final class Diskless extends FullSync {
        private static final long MAX_UNSENT = 16L << 20;
        private final String mark = Replication.randomId();
        private KeyspaceSnapshot snapshot;
        private boolean ended;
        private long bytes;

        Diskless(Replication repl, List<ReplicaConnection> batch) {
            super(repl, batch);
        }

        @Override void start() {
            Persistence p = repl.server.persistence();
            for (ReplicaConnection r : batch) r.session.writeDirect(Replication.ascii("$EOF:" + mark + "\r\n"));
            RdbWriter w = new RdbWriter(p.rdbcompression.value(), this::send, 64 << 10).listFill(p.listFill());
            RdbSaver saver = new RdbSaver(w, p.rdbchecksum.value(), p.aux(false, repl.syncInfo())).accessHistory(repl.engine);
            snapshot = KeyspaceSnapshot.start(repl.engine, saver);
            p.setReplicationChild(this::abort);
            schedule(0);
        }

        private void send(byte[] buf, int len) {
            ByteBuf b = Unpooled.copiedBuffer(buf, 0, len);
            for (ReplicaConnection r : batch) {
                Channel ch = r.session.channel();
                ch.writeAndFlush(b.retainedDuplicate(), ch.voidPromise());
            }
            b.release();
            bytes += len;
        }

        private void schedule(long delayNanos) {
            // Scheduled rather than executed, so clients get their turn between slices.
            repl.server.mainLoop().schedule(this::step, delayNanos, TimeUnit.NANOSECONDS);
        }

        private void step() {
            if (ended) return;
            for (ReplicaConnection r : batch) {
                if (r.session.socketPendingBytes() > MAX_UNSENT) {
                    schedule(1_000_000);
                    return;
                }
            }
            boolean done;
            long deadline = System.nanoTime() + 1_000_000;
            do {
                done = snapshot.step(512);
            } while (!done && System.nanoTime() < deadline);
            if (done) finish();
            else schedule(0);
        }

        private void finish() {
            ended = true;
            repl.server.persistence().setReplicationChild(null);
            repl.fullSyncEnded(this);
            for (ReplicaConnection r : batch) {
                r.session.writeDirect(Replication.ascii(mark));
                r.state = ReplicaConnection.State.ONLINE;
                r.ackTimeMs = repl.engine.now();
                // Redis 7.0 starts the stream once the replica acknowledges it has loaded.
                r.streamOnAck = true;
                Log.notice("Streamed RDB transfer with replica %s succeeded (socket). Waiting for REPLCONF ACK from slave "
                        + "to enable streaming", r.name());
            }
            repl.statNetReplOutputBytes += bytes * batch.size();
            Log.notice("Background RDB transfer terminated with success");
        }

        @Override void replicaGone(ReplicaConnection r) {
            if (ended || !batch.remove(r)) return;
            if (batch.isEmpty()) {
                Log.warning("Diskless rdb transfer, last replica dropped, killing fork child.");
                abort();
            }
        }

        @Override void abort() {
            if (ended) return;
            ended = true;
            snapshot.abort();
            repl.server.persistence().setReplicationChild(null);
            repl.fullSyncEnded(this);
            for (ReplicaConnection r : new ArrayList<>(batch)) r.session.closeNow();
        }
    }

    /**
     * The file as one zero-copy region, or in chunks through a ChunkedWriteHandler over TLS,
     * where the bytes must pass the SslHandler (Redis, too, reads and writes instead of sendfile then).
     */
    private static Object rdbPayload(Channel ch, FileChannel file, long size) {
        String ssl = ch.pipeline().names().stream().filter(n -> ch.pipeline().get(n) instanceof io.netty.handler.ssl.SslHandler)
                .findFirst().orElse(null);
        if (ssl == null) return new DefaultFileRegion(file, 0, size);
        if (ch.pipeline().get(io.netty.handler.stream.ChunkedWriteHandler.class) == null) {
            ch.pipeline().addAfter(ssl, "rdb-chunks", new io.netty.handler.stream.ChunkedWriteHandler());
        }
        try {
            return new io.netty.handler.stream.ChunkedNioFile(file, 0, size, 64 << 10);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * repl-diskless-sync no: a BGSAVE to the RDB file (which also counts as a save, as in
     * Redis), then the file is sent as one bulk ($len, the bytes) with the kernel's
     * sendfile where the transport has it.
     */
    static final class Disk extends FullSync {
        private boolean ended;

        Disk(Replication repl, List<ReplicaConnection> batch) {
            super(repl, batch);
        }

        @Override void start() throws IOException {
            String err = repl.server.persistence().bgsave(repl.syncInfo(), this::saved);
            if (err != null) throw new IOException(err);
        }

        private void saved(boolean ok) {
            if (ended) return;
            ended = true;
            repl.fullSyncEnded(this);
            if (!ok) {
                for (ReplicaConnection r : batch) {
                    Log.warning("SYNC failed. BGSAVE child returned an error");
                    r.session.closeNow();
                }
                return;
            }
            for (ReplicaConnection r : batch) sendFile(r);
        }

        private void sendFile(ReplicaConnection r) {
            Channel ch = r.session.channel();
            FileChannel file;
            long size;
            try {
                file = FileChannel.open(repl.server.persistence().rdbPath(), StandardOpenOption.READ);
                size = file.size();
            } catch (IOException e) {
                Log.warning("SYNC failed. Can't open/stat DB after BGSAVE: %s", e.getMessage());
                r.session.closeNow();
                return;
            }
            r.state = ReplicaConnection.State.SEND_BULK;
            r.session.writeDirect(Unpooled.copiedBuffer("$" + size + "\r\n", StandardCharsets.US_ASCII));
            repl.statNetReplOutputBytes += size;
            ch.writeAndFlush(rdbPayload(ch, file, size)).addListener(f -> {
                if (!f.isSuccess() || r.state != ReplicaConnection.State.SEND_BULK) return;
                r.state = ReplicaConnection.State.ONLINE;
                r.ackTimeMs = repl.engine.now();
                r.releasePending();
                Log.notice("Synchronization with replica %s succeeded", r.name());
            });
        }

        @Override void replicaGone(ReplicaConnection r) {
            batch.remove(r);
        }

        @Override void abort() {
            if (ended) return;
            ended = true;
            repl.fullSyncEnded(this);
            repl.server.persistence().abortBgsave();
        }
    }
}
