package io.magpie.engine.commands;

import io.magpie.engine.Client;
import io.magpie.engine.Errors;
import io.magpie.engine.ReplyException;
import io.magpie.commands.CommandTable;
import io.magpie.commands.KeyExtraction;
import io.magpie.commands.KeyFlags;
import io.magpie.commands.KeyReferences;
import io.magpie.engine.command.CommandHandler;
import io.magpie.commands.RedisCommand;
import io.magpie.protocol.Glob;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * COMMAND and its subcommands: the command table as clients see it (arity, flags, key
 * specs, docs). Cluster-aware clients locate keys through this, so it is answered from the
 * same metadata that drives dispatch, listing only what Magpie implements.
 */
final class CommandCommand {
    private CommandCommand() {}

    static void register(CommandTable<CommandHandler> t) {
        t.register("command", c -> infoAll(t, c));
        t.register("command|count", c -> c.addReplyLongLong(t.commands().size()));
        t.register("command|info", c -> info(t, c));
        t.register("command|docs", c -> docs(t, c));
        t.register("command|list", c -> list(t, c));
        t.register("command|getkeys", c -> getKeys(t, c, false));
        t.register("command|getkeysandflags", c -> getKeys(t, c, true));
        t.register("command|help", CommandCommand::help);
    }

    private static void infoAll(CommandTable<CommandHandler> t, Client c) {
        Collection<RedisCommand> all = t.commands();
        c.addReplyArrayLen(all.size());
        for (RedisCommand cmd : all) t.writeInfo(cmd, c.writer());
    }

    /** A command or "container|sub" by name, implemented ones only. */
    static RedisCommand find(CommandTable<CommandHandler> t, String name) {
        int bar = name.indexOf('|');
        if (bar < 0) return t.lookup(name);
        RedisCommand parent = t.lookup(name.substring(0, bar));
        return parent == null ? null : parent.subcommand(name.substring(bar + 1).getBytes(StandardCharsets.UTF_8));
    }

    /** COMMAND INFO [name ...]: a null for each unknown name. */
    static void info(CommandTable<CommandHandler> t, Client c) {
        if (c.argc == 2) {
            infoAll(t, c);
            return;
        }
        c.addReplyArrayLen(c.argc - 2);
        for (int i = 2; i < c.argc; i++) {
            RedisCommand cmd = find(t, c.argString(i));
            if (cmd == null) c.addReplyNull();
            else t.writeInfo(cmd, c.writer());
        }
    }

    /** COMMAND DOCS [name ...]: a map from name to docs; unknown names are left out. */
    static void docs(CommandTable<CommandHandler> t, Client c) {
        List<RedisCommand> found = new ArrayList<>();
        if (c.argc == 2) {
            found.addAll(t.commands());
        } else {
            for (int i = 2; i < c.argc; i++) {
                RedisCommand cmd = find(t, c.argString(i));
                if (cmd != null) found.add(cmd);
            }
        }
        c.addReplyMapLen(found.size());
        for (RedisCommand cmd : found) {
            c.addReplyBulkString(cmd.fullName);
            t.writeDocs(cmd, c.writer());
        }
    }

    /** COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN glob]: names, subcommands included. */
    static void list(CommandTable<CommandHandler> t, Client c) {
        String by = null, arg = null;
        if (c.argc == 5 && c.argIs(2, "filterby")) {
            if (c.argIs(3, "module") || c.argIs(3, "aclcat") || c.argIs(3, "pattern")) {
                by = c.argString(3).toLowerCase(java.util.Locale.ROOT);
                arg = c.argString(4);
            } else {
                throw new ReplyException(Errors.SYNTAX);
            }
        } else if (c.argc != 2) {
            throw new ReplyException(Errors.SYNTAX);
        }
        List<String> names = new ArrayList<>();
        for (RedisCommand cmd : t.commands()) {
            List<RedisCommand> group = new ArrayList<>();
            group.add(cmd);
            for (RedisCommand sub : cmd.subcommands().values()) if (sub.handler() != null) group.add(sub);
            for (RedisCommand x : group) {
                if (by == null || matches(x, by, arg)) names.add(x.fullName);
            }
        }
        c.addReplyArrayLen(names.size());
        for (String n : names) c.addReplyBulkString(n);
    }

    private static boolean matches(RedisCommand cmd, String by, String arg) {
        return switch (by) {
            case "module" -> false;
            case "aclcat" -> CommandTable.hasAclCategory(cmd, arg);
            default -> Glob.match(arg.getBytes(StandardCharsets.UTF_8), cmd.fullName.getBytes(StandardCharsets.UTF_8), true);
        };
    }

    /**
     * COMMAND GETKEYS / GETKEYSANDFLAGS command [arg ...] (getKeysSubcommandImpl): the keys of
     * the call, from the whole table (commands Magpie does not implement included, as Redis
     * answers from its table alone), with each key's flags when asked.
     */
    static void getKeys(CommandTable<CommandHandler> t, Client c, boolean withFlags) {
        int base = 2, argc = c.argc - base;
        RedisCommand cmd = t.lookupAny(c.argv, base, argc);
        if (cmd == null) throw new ReplyException("ERR Invalid command specified");
        if (!KeyExtraction.hasKeys(cmd)) throw new ReplyException("ERR The command has no key arguments");
        if (!cmd.arityOk(argc)) throw new ReplyException("ERR Invalid number of arguments specified for command");
        KeyReferences keys = new KeyReferences();
        int n = KeyExtraction.getKeys(cmd, c.argv, base, argc, keys);
        if (n == 0 && !cmd.noMandatoryKeys) throw new ReplyException("ERR Invalid arguments specified for command");
        c.addReplyArrayLen(n);
        for (int i = 0; i < n; i++) {
            byte[] key = c.argv[base + keys.position(i)];
            if (!withFlags) {
                c.addReplyBulk(key);
                continue;
            }
            c.addReplyArrayLen(2);
            c.addReplyBulk(key);
            int flags = keys.flags(i);
            c.writer().setLen(KeyFlags.count(flags));
            for (int bit = 0; bit < KeyFlags.bits(); bit++) {
                if ((flags & (1 << bit)) != 0) c.writer().status(KeyFlags.name(bit));
            }
        }
    }

    private static final String[] HELP = {
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys and the access flags from a full Redis command.",
        "HELP",
        "    Prints this help.",
    };

    static void help(Client c) {
        c.addReplyHelp(HELP);
    }
}
