package io.magpie.persistence;

import io.magpie.engine.command.CommandHandler;
import io.magpie.engine.Client;
import io.magpie.engine.ReplyException;
import io.magpie.commands.CommandTable;
import io.magpie.engine.scripting.Functions;
import io.magpie.persistence.rdb.Rdb;
import io.magpie.persistence.rdb.RdbReader;
import io.magpie.persistence.rdb.RdbWriter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * FUNCTION DUMP and FUNCTION RESTORE (functions.c): the payload is each library as RDB's
 * FUNCTION2 opcode and its code, then the DUMP footer (RDB version and CRC-64), so it
 * moves between Magpie and redis-server both ways.
 */
final class FunctionCommands {
    private FunctionCommands() {}

    static void register(CommandTable<CommandHandler> t, Persistence p) {
        t.register("function|dump", c -> dump(c, p));
        t.register("function|restore", c -> restore(c, p));
    }

    private static void dump(Client c, Persistence p) {
        RdbWriter w = new RdbWriter(p.rdbcompression.value());
        for (byte[] code : c.engine.scripting.libraryCodes()) {
            w.writeByte(Rdb.OPCODE_FUNCTION2);
            w.writeString(code);
        }
        w.writeByte(Rdb.VERSION & 0xff);
        w.writeByte((Rdb.VERSION >> 8) & 0xff);
        w.writeMillis(w.crcSoFar());
        c.addReplyBulk(w.toByteArray());
    }

    /** FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]: all libraries or none. */
    private static void restore(Client c, Persistence p) {
        if (c.argc > 4) throw new ReplyException("ERR unknown subcommand or wrong number of arguments for 'RESTORE'. Try FUNCTION HELP.");
        boolean flush = false, replace = false;
        if (c.argc == 4) {
            if (c.argIs(3, "flush")) flush = true;
            else if (c.argIs(3, "replace")) replace = true;
            else if (!c.argIs(3, "append")) throw new ReplyException("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
        }
        byte[] payload = c.argv[2];
        if (!DumpPayload.verify(payload, p.rdbchecksum.value())) throw new ReplyException("ERR DUMP payload version or checksum are wrong");
        List<byte[]> codes = new ArrayList<>();
        try {
            RdbReader r = new RdbReader(payload, 0, payload.length - 10);
            while (!r.atEnd()) {
                int type = r.readType();
                if (type == Rdb.OPCODE_FUNCTION) throw new ReplyException("ERR Pre-GA function format not supported");
                if (type != Rdb.OPCODE_FUNCTION2) throw new ReplyException("ERR given type is not a function");
                codes.add(r.readString());
            }
        } catch (IOException e) {
            throw new ReplyException("ERR payload is not a valid function dump");
        }
        Functions functions = c.engine.scripting.functions();
        List<Functions.Library> before = functions.snapshot();
        try {
            if (flush) functions.flush();
            for (byte[] code : codes) {
                try {
                    functions.load(code, replace);
                } catch (ReplyException e) {
                    // FUNCTION LOAD names a library 'in quotes'; RESTORE's join does not.
                    String m = e.getMessage();
                    if (m.startsWith("ERR Library '") && m.endsWith("' already exists")) {
                        m = "ERR Library " + m.substring(13, m.length() - 16) + " already exists";
                    }
                    throw new ReplyException(m);
                }
            }
        } catch (ReplyException e) {
            functions.restore(before);
            throw e;
        }
        c.engine.dirty++;
        c.addReplyOk();
    }
}
