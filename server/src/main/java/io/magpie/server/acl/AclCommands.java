package io.magpie.server.acl;

import io.magpie.commands.CommandTable;
import io.magpie.commands.RedisCommand;
import io.magpie.engine.Args;
import io.magpie.engine.Client;
import io.magpie.engine.ReplyException;
import io.magpie.engine.acl.Acl;
import io.magpie.engine.acl.AclCommandIndex;
import io.magpie.engine.acl.AclLog;
import io.magpie.engine.acl.AclReplies;
import io.magpie.engine.acl.User;
import io.magpie.engine.command.CommandHandler;
import io.magpie.engine.config.Config;
import io.magpie.engine.config.ConfigException;
import io.magpie.engine.config.Params.EnumParam;
import io.magpie.engine.config.Params.LongParam;
import io.magpie.engine.config.Params.StringParam;
import io.magpie.server.MagpieServer;
import io.magpie.server.commands.ClientCommand;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The ACL command (acl.c's aclCommand) and ACL's configuration: aclfile, acllog-max-len,
 * acl-pubsub-default, and the "user" directives of the config file, loaded at startup.
 */
public final class AclCommands {
    /** acl-pubsub-default: what a new user's channels are (7.0: resetchannels). */
    public enum PubsubDefault { ALLCHANNELS, RESETCHANNELS }

    private final MagpieServer server;
    private final Acl acl;
    final StringParam aclfile;
    final LongParam acllogMaxLen;
    final EnumParam<PubsubDefault> pubsubDefault;
    private final SecureRandom random = new SecureRandom();

    private AclCommands(MagpieServer server) {
        this.server = server;
        this.acl = server.engine().acl;
        Config c = server.registry();
        aclfile = c.register(new StringParam("aclfile", ""));
        aclfile.immutable();
        acllogMaxLen = c.register(new LongParam("acllog-max-len", 128, 0, Long.MAX_VALUE, false));
        acllogMaxLen.onChange(() -> acl.log.setMaxLen((int) Math.min(Integer.MAX_VALUE, acllogMaxLen.value())));
        pubsubDefault = c.register(new EnumParam<>("acl-pubsub-default", PubsubDefault.RESETCHANNELS, PubsubDefault.values(),
                v -> v.name().toLowerCase(Locale.ROOT)));
        pubsubDefault.onChange(() -> acl.setPubsubDefaultAllChannels(pubsubDefault.value() == PubsubDefault.ALLCHANNELS));
        // CONFIG REWRITE writes the users unless they live in the aclfile, whose lines it then drops.
        c.userRewriteLines = () -> aclfile.value().isEmpty() ? List.of(acl.saveUsers().split("\n")) : List.of();
    }

    public static AclCommands register(MagpieServer server) {
        AclCommands a = new AclCommands(server);
        a.acl.setClientInfo(c -> ClientCommand.clientInfoString(server, c));
        CommandTable<CommandHandler> t = server.engine().commands;
        t.register("acl|setuser", a::setuser);
        t.register("acl|getuser", a::getuser);
        t.register("acl|deluser", a::deluser);
        t.register("acl|users", c -> a.list(c, true));
        t.register("acl|list", c -> a.list(c, false));
        t.register("acl|whoami", AclCommands::whoami);
        t.register("acl|cat", a::cat);
        t.register("acl|genpass", a::genpass);
        t.register("acl|log", a::log);
        t.register("acl|load", a::load);
        t.register("acl|save", a::save);
        t.register("acl|dryrun", a::dryrun);
        t.register("acl|help", c -> c.addReplyHelp(HELP));
        return a;
    }

    /**
     * ACLLoadUsersAtStartup: the config file's user directives, or the aclfile; both at once
     * is refused as Redis refuses it. Throws with the reason when startup must stop.
     */
    public void loadAtStartup(List<List<String>> userDirectives) {
        acl.log.setMaxLen((int) Math.min(Integer.MAX_VALUE, acllogMaxLen.value()));
        acl.setPubsubDefaultAllChannels(pubsubDefault.value() == PubsubDefault.ALLCHANNELS);
        if (!aclfile.value().isEmpty() && !userDirectives.isEmpty()) {
            throw new IllegalStateException("Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.");
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (List<String> words : userDirectives) {
            if (words.isEmpty()) continue;
            String name = words.get(0);
            if (!seen.add(name)) {
                throw new IllegalStateException("Error in user declaration '" + name + "': Duplicate user found. A user can only be defined once in config files");
            }
            List<String> ops = new ArrayList<>();
            // ACLLoadConfiguredUsers: the one user that exists already, default, starts over from reset.
            if (acl.user(name) != null) ops.add("reset");
            ops.addAll(words.subList(1, words.size()));
            Acl.SetUserResult r = acl.setUser(name, ops, List.of());
            if (r.error() != null) throw new IllegalStateException("Error in user declaration '" + name + "': " + r.error());
        }
        if (!aclfile.value().isEmpty()) {
            String errors = loadFile(null);
            if (errors != null) throw new IllegalStateException("Aborting Redis startup because of ACL errors: " + errors);
        }
    }

    /* ---------------- subcommands ---------------- */

    void setuser(Client c) {
        String name = Acl.string(c.argv[2]);
        if (Acl.hasSpaces(name)) throw new ReplyException("ERR Usernames can't contain spaces or null characters");
        List<String> ops = new ArrayList<>();
        for (int j = 3; j < c.argc; j++) ops.add(Acl.string(c.argv[j]));
        for (int j = 2; j < c.argc; j++) Acl.redact(c, j);
        Acl.SetUserResult r = acl.setUser(name, ops, server.clients());
        if (r.error() != null) throw new ReplyException("ERR " + r.error());
        for (Client v : r.toKill()) kill(c, v);
        c.addReplyOk();
    }

    void deluser(Client c) {
        for (int j = 2; j < c.argc; j++) {
            if (Acl.string(c.argv[j]).equals("default")) throw new ReplyException("ERR The 'default' user cannot be removed");
        }
        int deleted = 0;
        for (int j = 2; j < c.argc; j++) {
            List<Client> victims = acl.deleteUser(Acl.string(c.argv[j]), server.clients());
            if (victims == null) continue;
            deleted++;
            for (Client v : victims) {
                // As Redis: the default user, unauthenticated, until the connection goes.
                v.aclUser = acl.defaultUser();
                v.user = "default";
                v.authenticated = false;
                kill(c, v);
            }
        }
        c.addReplyLongLong(deleted);
    }

    private void kill(Client self, Client victim) {
        if (victim == self) self.closeAfterReply = true;
        else server.kill(victim);
    }

    void getuser(Client c) {
        User u = acl.user(Acl.string(c.argv[2]));
        if (u == null) {
            c.addReplyNull();
            return;
        }
        AclReplies.getuser(c, u);
    }

    void list(Client c, boolean justNames) {
        List<User> users = new ArrayList<>(acl.users());
        c.addReplyArrayLen(users.size());
        for (User u : users) {
            if (justNames) c.addReplyBulk(Acl.bytes(u.name));
            else c.addReplyBulk(Acl.bytes("user " + u.name + " " + u.describe()));
        }
    }

    static void whoami(Client c) {
        if (c.aclUser == null) c.addReplyNull();
        else c.addReplyBulk(Acl.bytes(c.aclUser.name));
    }

    void cat(Client c) {
        if (c.argc == 2) {
            c.addReplyArrayLen(AclCommandIndex.CATEGORIES.length);
            for (String name : AclCommandIndex.CATEGORIES) c.addReplyBulkString(name);
            return;
        }
        if (c.argc != 3) throw new ReplyException(subcommandSyntax(c));
        long flag = AclCommandIndex.categoryFlag(c.argString(2));
        if (flag == 0) {
            String cat = c.argString(2);
            throw new ReplyException("ERR Unknown category '" + (cat.length() > 128 ? cat.substring(0, 128) : cat) + "'");
        }
        List<RedisCommand> cmds = acl.index().inCategory(flag);
        c.addReplyArrayLen(cmds.size());
        for (RedisCommand cmd : cmds) c.addReplyBulkString(cmd.fullName);
    }

    void genpass(Client c) {
        if (c.argc > 3) throw new ReplyException(subcommandSyntax(c));
        long bits = 256;
        if (c.argc == 3) bits = Args.parseLong(c.argv[2]);
        if (bits <= 0 || bits > 4096) {
            throw new ReplyException("ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096");
        }
        int chars = (int) ((bits + 3) / 4);
        byte[] raw = new byte[(chars + 1) / 2];
        random.nextBytes(raw);
        StringBuilder sb = new StringBuilder();
        for (byte b : raw) sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        c.addReplyBulkString(sb.substring(0, chars));
    }

    void log(Client c) {
        if (c.argc > 3) throw new ReplyException(subcommandSyntax(c));
        long count = 10;
        if (c.argc == 3) {
            if (c.argIs(2, "reset")) {
                acl.log.reset();
                c.addReplyOk();
                return;
            }
            count = Args.parseLong(c.argv[2]);
            if (count < 0) count = 0;
        }
        List<AclLog.Entry> entries = acl.log.newest(count);
        long now = System.currentTimeMillis();
        c.addReplyArrayLen(entries.size());
        for (AclLog.Entry e : entries) AclReplies.logEntry(c, e, now);
    }

    void load(Client c) {
        if (aclfile.value().isEmpty()) throw new ReplyException(NO_ACLFILE);
        String errors = loadFile(c);
        if (errors != null) throw new ReplyException("ERR " + errors);
        c.addReplyOk();
    }

    /** ACLLoadFromFile: all users from the file, or none of it; current is the client asking (ACL LOAD), if any. */
    private String loadFile(Client current) {
        String file = aclfile.value();
        String text;
        try {
            text = Files.readString(Path.of(file), StandardCharsets.ISO_8859_1);
        } catch (java.nio.file.NoSuchFileException e) {
            return "Error loading ACLs, opening file '" + file + "': No such file or directory";
        } catch (IOException e) {
            return "Error loading ACLs, opening file '" + file + "': " + e.getMessage();
        }
        Object r = acl.loadUsers(file, text, server.clients());
        if (r instanceof String errors) return errors;
        @SuppressWarnings("unchecked") List<Client> victims = (List<Client>) r;
        for (Client v : victims) {
            v.aclUser = acl.defaultUser();
            v.user = "default";
            v.authenticated = false;
            kill(current, v);
        }
        return null;
    }

    void save(Client c) {
        if (aclfile.value().isEmpty()) throw new ReplyException(NO_ACLFILE);
        Path file = Path.of(aclfile.value());
        Path tmp = Path.of(aclfile.value() + ".tmp-" + ProcessHandle.current().pid() + "-" + System.currentTimeMillis());
        try {
            Files.write(tmp, Acl.bytes(acl.saveUsers()));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the temp file is best effort
            }
            throw new ReplyException("ERR There was an error trying to save the ACLs. Please check the server logs for more information");
        }
        c.addReplyOk();
    }

    void dryrun(Client c) {
        String name = Acl.string(c.argv[2]);
        User u = acl.user(name);
        if (u == null) throw new ReplyException("ERR User '" + name + "' not found");
        RedisCommand cmd = server.engine().commands.lookupAny(c.argv, 3, c.argc - 3);
        if (cmd == null) throw new ReplyException("ERR Command '" + Acl.string(c.argv[3]) + "' not found");
        if (!cmd.arityOk(c.argc - 3)) throw new ReplyException("ERR wrong number of arguments for '" + cmd.fullName + "' command");
        int r = acl.check(u, cmd, c.argv, 3, c.argc - 3);
        switch (r) {
            case Acl.OK -> c.addReplyOk();
            case Acl.DENIED_CMD -> c.addReplyBulk(Acl.bytes("This user has no permissions to run the '" + cmd.fullName + "' command"));
            case Acl.DENIED_KEY -> c.addReplyBulk(Acl.bytes("This user has no permissions to access the '"
                    + Acl.string(c.argv[3 + acl.deniedPosition()]) + "' key"));
            default -> c.addReplyBulk(Acl.bytes("This user has no permissions to access the '"
                    + Acl.string(c.argv[3 + acl.deniedPosition()]) + "' channel"));
        }
    }

    private static final String NO_ACLFILE = "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.";

    private static String subcommandSyntax(Client c) {
        return "ERR unknown subcommand or wrong number of arguments for '" + c.argString(1) + "'. Try ACL HELP.";
    }

    private static final String[] HELP = {
        "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CAT [<category>]",
        "    List all commands that belong to <category>, or all command categories",
        "    when no category is specified.",
        "DELUSER <username> [<username> ...]",
        "    Delete a list of users.",
        "DRYRUN <username> <command> [<arg> ...]",
        "    Returns whether the user can execute the given command without executing the command.",
        "GETUSER <username>",
        "    Get the user's details.",
        "GENPASS [<bits>]",
        "    Generate a secure 256-bit user password. The optional `bits` argument can",
        "    be used to specify a different size.",
        "LIST",
        "    Show users details in config file format.",
        "LOAD",
        "    Reload users from the ACL file.",
        "LOG [<count> | RESET]",
        "    Show the ACL log entries.",
        "SAVE",
        "    Save the current config to the ACL file.",
        "SETUSER <username> <attribute> [<attribute> ...]",
        "    Create or modify a user with the specified attributes.",
        "USERS",
        "    List all the registered usernames.",
        "WHOAMI",
        "    Return the current connection username.",
        "HELP",
        "    Prints this help.",
    };
}
