package io.magpie.engine.commands;

import io.magpie.engine.command.CommandTable;

// TEMPORARY LOCAL STUB (not committed): FLUSHALL/DEL/TYPE/SET-less helpers for testing lists.
final class KeyspaceCommands {
    private KeyspaceCommands() {}

    static void register(CommandTable t) {
        t.register("flushall", c -> { for (int i = 0; i < c.engine.dbCount(); i++) c.engine.db(i).empty(); c.addReplyOk(); });
        t.register("del", c -> { int n = 0; for (int i = 1; i < c.argc; i++) if (c.db.lookupWrite(c.argv[i]) != null && c.db.delete(c.argv[i])) { n++; c.db.signalModifiedKey(c.argv[i]); c.engine.dirty++; } c.addReplyLongLong(n); });
        t.register("type", c -> { Object v = c.db.lookupNoTouch(c.argv[1]); c.addReplyStatus(v == null ? "none" : io.magpie.engine.types.Values.type(v).typeName()); });
        t.register("exists", c -> { int n = 0; for (int i = 1; i < c.argc; i++) if (c.db.lookupNoTouch(c.argv[i]) != null) n++; c.addReplyLongLong(n); });
    }
}
