package io.magpie.server.commands;

import io.magpie.engine.Args;
import io.magpie.engine.Client;
import io.magpie.engine.Engine;
import io.magpie.engine.Errors;
import io.magpie.engine.Notifications;
import io.magpie.engine.ReplyException;
import io.magpie.engine.keyspace.Database;
import io.magpie.persistence.DumpPayload;
import io.magpie.persistence.Persistence;
import io.magpie.server.MagpieServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password]
 * [AUTH2 username password] [KEYS key ...], as Redis 7.0's migrateCommand (cluster.c): the
 * keys go as RESTORE (RESTORE-ASKING in cluster mode) commands carrying DUMP payloads over a
 * cached connection to the target, and are deleted here (the command propagated as DEL of
 * the keys the target acknowledged) unless COPY is given.
 *
 * <p>As in Redis the exchange is synchronous, on the keyspace thread, bounded by the timeout:
 * the keys cannot change while they are in flight.
 */
final class MigrateCommand {
    private static final byte[] DEL = "DEL".getBytes(StandardCharsets.US_ASCII);
    private static final String IOERR_CONNECT = "IOERR error or timeout connecting to the client";

    private MigrateCommand() {}

    static void register(MagpieServer server) {
        server.engine().commands.register("migrate", c -> migrate(c, server));
    }

    private static void migrate(Client c, MagpieServer server) {
        boolean copy = false, replace = false;
        byte[] username = null, password = null;
        int firstKey = 3, numKeys = 1;
        for (int j = 6; j < c.argc; j++) {
            int moreArgs = c.argc - 1 - j;
            if (c.argIs(j, "copy")) {
                copy = true;
            } else if (c.argIs(j, "replace")) {
                replace = true;
            } else if (c.argIs(j, "auth")) {
                if (moreArgs == 0) throw new ReplyException(Errors.SYNTAX);
                password = c.argv[++j];
                c.redactArgument(j);
            } else if (c.argIs(j, "auth2")) {
                if (moreArgs < 2) throw new ReplyException(Errors.SYNTAX);
                username = c.argv[++j];
                c.redactArgument(j);
                password = c.argv[++j];
                c.redactArgument(j);
            } else if (c.argIs(j, "keys")) {
                if (c.argv[3].length != 0) {
                    throw new ReplyException("ERR When using MIGRATE KEYS option, the key argument must be set to the empty string");
                }
                firstKey = j + 1;
                numKeys = c.argc - j - 1;
                break;
            } else {
                throw new ReplyException(Errors.SYNTAX);
            }
        }
        long timeout = Args.parseLong(c.argv[5]);
        long dbid = Args.parseLong(c.argv[4]);
        if (timeout <= 0) timeout = 1000;

        // The keys that are here; none at all is no error: the usual cause is a key that expired.
        Database db = c.db;
        List<byte[]> keys = new ArrayList<>(numKeys);
        List<Object> values = new ArrayList<>(numKeys);
        for (int j = 0; j < numKeys; j++) {
            Object v = db.lookupRead(c.argv[firstKey + j]);
            if (v == null) continue;
            keys.add(c.argv[firstKey + j]);
            values.add(v);
        }
        if (keys.isEmpty()) {
            c.addReplyStatus("NOKEY");
            return;
        }
        String host = new String(c.argv[1], StandardCharsets.UTF_8);
        String port = new String(c.argv[2], StandardCharsets.UTF_8);
        MigrateSockets sockets = server.migrateSockets();
        Persistence p = server.persistence();
        boolean cluster = server.clusterEnabled();
        boolean mayRetry = true;
        while (true) {
            MigrateSockets.Cached cs = sockets.get(host, port, timeout, server.tls()::migrateEngine);
            if (cs == null) throw new ReplyException(IOERR_CONNECT);
            Attempt a = new Attempt();
            try {
                a.run(c, cs, keys, values, dbid, replace, copy, cluster, username, password, p);
                return;
            } catch (IOException e) {
                // Closing the socket forces a SELECT the next time. A cached socket the peer
                // closed is common: one retry on a fresh one, unless it timed out or the target
                // may already have processed something.
                sockets.close(host, port);
                if (mayRetry && a.retryable && !(e instanceof SocketTimeoutException)) {
                    mayRetry = false;
                    continue;
                }
                throw new ReplyException("IOERR error or timeout " + (a.writeError ? "writing" : "reading") + " to target instance");
            }
        }
    }

    /** One try of the exchange with the target. */
    private static final class Attempt {
        boolean writeError, retryable = true;

        void run(Client c, MigrateSockets.Cached cs, List<byte[]> keys, List<Object> values, long dbid, boolean replace,
                boolean copy, boolean cluster, byte[] username, byte[] password, Persistence p) throws IOException {
            ByteArrayOutputStream cmd = new ByteArrayOutputStream();
            if (password != null) {
                if (username != null) writeCommand(cmd, "AUTH".getBytes(StandardCharsets.US_ASCII), username, password);
                else writeCommand(cmd, "AUTH".getBytes(StandardCharsets.US_ASCII), password);
            }
            boolean select = cs.lastDbid != dbid;
            if (select) writeCommand(cmd, "SELECT".getBytes(StandardCharsets.US_ASCII), ascii(Long.toString(dbid)));
            Database db = c.db;
            Engine e = c.engine;
            List<byte[]> sent = new ArrayList<>(keys.size());
            byte[] restore = (cluster ? "RESTORE-ASKING" : "RESTORE").getBytes(StandardCharsets.US_ASCII);
            for (int j = 0; j < keys.size(); j++) {
                byte[] key = keys.get(j);
                long ttl = 0;
                long expireAt = db.getExpire(key);
                if (expireAt != -1) {
                    ttl = expireAt - e.now();
                    if (ttl < 0) continue; // expired since it was looked up: not sent
                    if (ttl < 1) ttl = 1;
                }
                byte[] payload;
                try {
                    payload = DumpPayload.create(values.get(j), p.rdbcompression.value(), p.listFill());
                } catch (IOException | IllegalStateException ex) {
                    throw new ReplyException("ERR " + ex.getMessage());
                }
                byte[] ttlArg = ascii(Long.toString(ttl));
                if (replace) writeCommand(cmd, restore, key, ttlArg, payload, "REPLACE".getBytes(StandardCharsets.US_ASCII));
                else writeCommand(cmd, restore, key, ttlArg, payload);
                sent.add(key);
            }
            try {
                cs.write(cmd.toByteArray());
            } catch (IOException ex) {
                writeError = true;
                throw ex;
            }
            String authReply = password != null ? cs.readLine() : null;
            String selectReply = select ? cs.readLine() : null;
            String targetError = null;
            List<byte[]> deleted = new ArrayList<>(sent.size());
            IOException socketError = null;
            int j = 0;
            for (; j < sent.size(); j++) {
                String reply;
                try {
                    reply = cs.readLine();
                } catch (IOException ex) {
                    socketError = ex;
                    break;
                }
                if ((authReply != null && authReply.startsWith("-")) || (selectReply != null && selectReply.startsWith("-"))
                        || reply.startsWith("-")) {
                    if (targetError == null) {
                        cs.lastDbid = -1;
                        String err = authReply != null && authReply.startsWith("-") ? authReply
                                : selectReply != null && selectReply.startsWith("-") ? selectReply : reply;
                        targetError = "ERR Target instance replied with error: " + err.substring(1);
                    }
                } else if (!copy) {
                    byte[] key = sent.get(j);
                    db.delete(key);
                    db.signalModifiedKey(key);
                    e.notifyKeyspaceEvent(Notifications.GENERIC, "del", key, db.id);
                    e.dirty++;
                    deleted.add(key);
                }
            }
            // A retry is safe only when nothing was read back at all.
            if (socketError != null && (targetError != null || j > 0)) retryable = false;
            if (!copy) {
                // Propagated as DEL of the keys the target acknowledged, and only of those.
                if (!deleted.isEmpty()) {
                    byte[][] argv = new byte[deleted.size() + 1][];
                    argv[0] = DEL;
                    for (int k = 0; k < deleted.size(); k++) argv[k + 1] = deleted.get(k);
                    c.rewriteArgv(argv);
                }
            }
            if (socketError != null && targetError == null) {
                if (!deleted.isEmpty()) retryable = false;
                throw socketError;
            }
            if (socketError != null) cs.close();
            if (targetError != null) {
                c.addReplyError(targetError);
                return;
            }
            cs.lastDbid = dbid;
            c.addReplyOk();
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static void writeCommand(ByteArrayOutputStream out, byte[]... args) {
        writeHeader(out, '*', args.length);
        for (byte[] a : args) {
            writeHeader(out, '$', a.length);
            out.write(a, 0, a.length);
            out.write('\r');
            out.write('\n');
        }
    }

    private static void writeHeader(ByteArrayOutputStream out, char type, long n) {
        out.write(type);
        byte[] digits = ascii(Long.toString(n));
        out.write(digits, 0, digits.length);
        out.write('\r');
        out.write('\n');
    }
}
