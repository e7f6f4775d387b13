package io.magpie.engine.acl;

import io.magpie.commands.CommandTable;
import io.magpie.commands.RedisCommand;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The command ids ACL bitmaps are indexed by (Redis's ACLGetCommandID), with each command's
 * categories as a bit mask of {@link #CATEGORIES}. Every command of the table has an id,
 * implemented or not, so that category counts (and so ACL LIST's rules) match Redis's.
 * Commands with a dot in their name stand for Redis's module commands: categories and
 * ACL CAT skip them, as Redis skips CMD_MODULE commands.
 */
public final class AclCommandIndex {
    /** ACL categories in Redis's order (ACLCommandCategories): ACL CAT's reply and the rule search order. */
    public static final String[] CATEGORIES = {
        "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap", "hyperloglog",
        "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous", "connection", "transaction",
        "scripting",
    };

    private final List<RedisCommand> byId = new ArrayList<>();
    private final Map<RedisCommand, Integer> ids = new IdentityHashMap<>();
    private long[] categories = new long[0];
    private final CommandTable<?> table;
    /** Channel arguments per command id: 0 none, else a CHANNEL_* kind. */
    private byte[] channelKinds = new byte[0];

    static final byte CHANNEL_SUBSCRIBE = 1, CHANNEL_PATTERN = 2, CHANNEL_PUBLISH = 3;

    public AclCommandIndex(CommandTable<?> table) {
        this.table = table;
        for (RedisCommand cmd : table.allCommands()) {
            if (cmd.onlySentinel) continue;
            add(cmd);
            for (RedisCommand sub : cmd.subcommands().values()) add(sub);
        }
        categories = new long[byId.size()];
        channelKinds = new byte[byId.size()];
        for (int id = 0; id < byId.size(); id++) {
            RedisCommand cmd = byId.get(id);
            if (!isModule(cmd)) {
                for (int j = 0; j < CATEGORIES.length; j++) {
                    if (CommandTable.hasAclCategory(cmd, CATEGORIES[j])) categories[id] |= 1L << j;
                }
            }
            channelKinds[id] = switch (cmd.fullName) {
                case "subscribe", "ssubscribe" -> CHANNEL_SUBSCRIBE;
                case "psubscribe" -> CHANNEL_PATTERN;
                case "publish", "spublish" -> CHANNEL_PUBLISH;
                default -> 0;
            };
        }
    }

    private void add(RedisCommand cmd) {
        ids.put(cmd, byId.size());
        byId.add(cmd);
    }

    static boolean isModule(RedisCommand cmd) {
        return cmd.fullName.indexOf('.') >= 0;
    }

    /** Number of command ids; the bit after the last one is the "future commands" bit of +@all. */
    public int size() {
        return byId.size();
    }

    public int id(RedisCommand cmd) {
        Integer id = ids.get(cmd);
        return id == null ? -1 : id;
    }

    public RedisCommand command(int id) {
        return byId.get(id);
    }

    long categories(int id) {
        return categories[id];
    }

    byte channelKind(int id) {
        return channelKinds[id];
    }

    /** The category's bit, or 0 when there is no such category (any case, as strcasecmp). */
    public static long categoryFlag(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (int j = 0; j < CATEGORIES.length; j++) if (CATEGORIES[j].equals(lower)) return 1L << j;
        return 0;
    }

    /** A command or "container|subcommand" by name as ACL rules name it (ACLLookupCommand), or null. */
    RedisCommand lookup(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        int bar = lower.indexOf('|');
        RedisCommand cmd = table.lookupAny(bar < 0 ? lower : lower.substring(0, bar));
        if (cmd == null || cmd.onlySentinel) return null;
        if (bar < 0) return cmd;
        if (!cmd.hasSubcommands()) return null;
        return cmd.subcommands().get(lower.substring(bar + 1));
    }

    /** Commands in the category, containers before their subcommands (ACL CAT). */
    public List<RedisCommand> inCategory(long flag) {
        List<RedisCommand> out = new ArrayList<>();
        for (int id = 0; id < byId.size(); id++) if ((categories[id] & flag) != 0) out.add(byId.get(id));
        return out;
    }
}
