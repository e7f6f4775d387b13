package io.magpie.commands;

import java.nio.charset.StandardCharsets;

/**
 * Commands by name, looked up case-insensitively straight from the argument bytes: dispatch
 * runs it for every call, so it neither lowers nor copies the name. Open addressing over a
 * power-of-two table; names are stored in lower case.
 */
final class CommandDict {
    private byte[][] names = new byte[16][];
    private RedisCommand[] commands = new RedisCommand[16];
    private int size;

    void put(RedisCommand cmd) {
        put(cmd.name.getBytes(StandardCharsets.US_ASCII), cmd);
    }

    /** Under another name than its own (rename-command). */
    void put(byte[] name, RedisCommand cmd) {
        if ((size + 1) * 2 > names.length) grow();
        int mask = names.length - 1;
        for (int i = hash(name) & mask; ; i = (i + 1) & mask) {
            if (names[i] == null) {
                names[i] = name;
                commands[i] = cmd;
                size++;
                return;
            }
            if (Ascii.equalsIgnoreCase(names[i], name)) {
                commands[i] = cmd;
                return;
            }
        }
    }

    RedisCommand get(byte[] name) {
        int mask = names.length - 1;
        for (int i = hash(name) & mask; ; i = (i + 1) & mask) {
            byte[] n = names[i];
            if (n == null) return null;
            if (Ascii.equalsIgnoreCase(name, n)) return commands[i];
        }
    }

    private static int hash(byte[] name) {
        int h = 0x811c9dc5;
        for (byte b : name) h = (h ^ Ascii.lower(b & 0xff)) * 0x01000193;
        return h ^ (h >>> 16);
    }

    private void grow() {
        byte[][] oldNames = names;
        RedisCommand[] oldCommands = commands;
        names = new byte[oldNames.length * 2][];
        commands = new RedisCommand[oldNames.length * 2];
        size = 0;
        for (int i = 0; i < oldNames.length; i++) if (oldNames[i] != null) put(oldNames[i], oldCommands[i]);
    }
}
