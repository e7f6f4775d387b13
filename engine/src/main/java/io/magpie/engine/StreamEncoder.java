package io.magpie.engine;

import io.magpie.protocol.RespWriter;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * The write stream as RESP: a unit becomes its commands, each preceded by a SELECT when its
 * db differs from the last one this encoder selected, and an atomic unit of several commands
 * goes between MULTI and EXEC (Redis's feedAppendOnlyFile and replicationFeedSlaves). Every
 * stream that is replayed by a server (the AOF, the replication backlog, an AOF base written
 * as commands) encodes through this one class; each keeps its own instance because each
 * starts afresh on its own occasions (a new AOF file, a new backlog), see {@link #reselect}.
 */
public final class StreamEncoder {
    private static final byte[][] MULTI = {"MULTI".getBytes(StandardCharsets.US_ASCII)};
    private static final byte[][] EXEC = {"EXEC".getBytes(StandardCharsets.US_ASCII)};
    private static final byte[] SELECT = "SELECT".getBytes(StandardCharsets.US_ASCII);
    private static final byte[][] SELECT_DB = new byte[16][];

    static {
        for (int i = 0; i < SELECT_DB.length; i++) SELECT_DB[i] = Integer.toString(i).getBytes(StandardCharsets.US_ASCII);
    }

    private final RespWriter writer = new RespWriter();
    private int selectedDb = -1;

    /** The next command is preceded by a SELECT whatever its db (a new file, a new backlog, a role change). */
    public void reselect() {
        selectedDb = -1;
    }

    /** The db the stream last selected, -1 when the next command selects afresh (an RDB's repl-stream-db). */
    public int selectedDb() {
        return selectedDb;
    }

    /** Appends a unit to out. */
    public void unit(WriteUnit u, ByteBuf out) {
        writer.target(out);
        boolean wrap = u.wrap();
        if (wrap) {
            select(u.multiDb());
            writer.command(MULTI);
        }
        for (int i = 0; i < u.size(); i++) {
            select(u.db(i));
            writer.command(u.argv(i));
        }
        if (wrap) {
            select(u.execDb());
            writer.command(EXEC);
        }
    }

    /** Appends one command that runs in db (an AOF base written as commands). */
    public void command(int db, byte[][] argv, ByteBuf out) {
        writer.target(out);
        select(db);
        writer.command(argv);
    }

    /** Appends a command that depends on no db (the replication stream's PING and REPLCONF GETACK). */
    public void commandWithoutSelect(byte[][] argv, ByteBuf out) {
        writer.target(out);
        writer.command(argv);
    }

    private void select(int db) {
        if (db == selectedDb) return;
        writer.command(SELECT, db < SELECT_DB.length ? SELECT_DB[db] : Integer.toString(db).getBytes(StandardCharsets.US_ASCII));
        selectedDb = db;
    }
}
