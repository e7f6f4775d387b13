package io.magpie.engine.acl;

import io.magpie.commands.KeyReferences;
import io.magpie.commands.RedisCommand;
import io.magpie.engine.Client;
import io.magpie.protocol.ArgSplitter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The ACL users of a server (Redis 7.0's acl.c): the default user, SETUSER rules applied
 * all-or-nothing, authentication, the permission check the dispatch pipeline runs, and the
 * ACL LOG. Pure state: connections to kill are handed back to the caller, client
 * descriptions and time come in from outside.
 */
public final class Acl {
    public static final int OK = 0, DENIED_CMD = 1, DENIED_KEY = 2, DENIED_AUTH = 3, DENIED_CHANNEL = 4;
    public static final int CTX_TOPLEVEL = 0, CTX_LUA = 1, CTX_MULTI = 2;

    public static final String NOPERM_CMD = "NOPERM this user has no permissions to run the '%s' command";
    public static final String NOPERM_KEY = "NOPERM this user has no permissions to access one of the keys used as arguments";
    public static final String NOPERM_CHANNEL = "NOPERM this user has no permissions to access one of the channels used as arguments";

    private final AclCommandIndex index;
    /** By name; a TreeMap keeps Redis's rax order (bytes, as ISO-8859-1 chars). */
    private Map<String, User> users = new TreeMap<>();
    private final User defaultUser;
    private int pubsubDefault = 0;
    public final AclLog log = new AclLog();
    private Function<Client, String> clientInfo = c -> "id=" + c.id;
    /** The call's keys, reused across commands and selectors. */
    private final KeyReferences keys = new KeyReferences();
    private final boolean[] keysReady = new boolean[1];
    private final int[] pos = new int[1];

    public Acl(AclCommandIndex index) {
        this.index = index;
        this.defaultUser = createDefaultUser();
        users.put("default", defaultUser);
    }

    private User createDefaultUser() {
        User u = new User("default", index, pubsubDefault);
        for (String op : new String[] {"+@all", "~*", "&*", "on", "nopass"}) u.set(op, pubsubDefault);
        return u;
    }

    public AclCommandIndex index() {
        return index;
    }

    public User defaultUser() {
        return defaultUser;
    }

    public void setClientInfo(Function<Client, String> f) {
        this.clientInfo = f;
    }

    /** acl-pubsub-default: true for allchannels, false for resetchannels (7.0's default). */
    public void setPubsubDefaultAllChannels(boolean all) {
        pubsubDefault = all ? Selector.ALLCHANNELS : 0;
    }

    public boolean pubsubDefaultAllChannels() {
        return pubsubDefault != 0;
    }

    public User user(String name) {
        return users.get(name);
    }

    public Collection<User> users() {
        return users.values();
    }

    /** authRequired: a new connection starts authenticated only when the default user is on and nopass. */
    public boolean authRequired() {
        return !defaultUser.nopass() || !defaultUser.enabled();
    }

    /** requirepass sets the default user's password; empty means nopass (ACLUpdateDefaultUserPassword). */
    public void setDefaultPassword(String password) {
        defaultUser.set("resetpass", pubsubDefault);
        if (password != null && !password.isEmpty()) defaultUser.set(">" + string(password.getBytes(StandardCharsets.UTF_8)), pubsubDefault);
        else defaultUser.set("nopass", pubsubDefault);
    }

    /* ---------------- SETUSER ---------------- */

    /** The result of a SETUSER: an error, or the user and the clients whose subscriptions it revoked. */
    public record SetUserResult(String error, User user, List<Client> toKill) {}

    /**
     * ACLStringSetUser: applies the rules to a copy and commits them only if all are valid.
     * Clients of the user whose channels the new rules revoke are returned to be killed.
     */
    public SetUserResult setUser(String name, List<String> ops, Iterable<Client> clients) {
        List<String> merged = mergeSelectorArguments(ops);
        if (merged == null) {
            return new SetUserResult("Unmatched parenthesis in acl selector starting at '" + unmatchedStart(ops) + "'.", null, List.of());
        }
        User existing = users.get(name);
        User temp = new User(name, index, pubsubDefault);
        if (existing != null) temp.copyFrom(existing);
        for (String op : merged) {
            Selector.RuleError e = temp.set(op, pubsubDefault);
            if (e != null) {
                return new SetUserResult("Error in ACL SETUSER modifier '" + op + "': " + e.message, null, List.of());
            }
        }
        List<Client> toKill = existing == null ? List.of() : pubsubClientsToKill(temp, existing, clients);
        User u = existing;
        if (u == null) {
            u = new User(name, index, pubsubDefault);
            users.put(name, u);
        }
        u.copyFrom(temp);
        return new SetUserResult(null, u, toKill);
    }

    private static String unmatchedStart(List<String> ops) {
        String open = null;
        for (String op : ops) {
            if (op.startsWith("(") && !op.endsWith(")")) open = op;
            else if (open != null && op.endsWith(")")) open = null;
        }
        return open;
    }

    /** ACLMergeSelectorArguments: "(" ... ")" spread over several arguments become one; null when unbalanced. */
    static List<String> mergeSelectorArguments(List<String> ops) {
        List<String> out = new ArrayList<>();
        StringBuilder selector = null;
        for (String op : ops) {
            if (op.startsWith("(") && !op.endsWith(")")) {
                selector = new StringBuilder(op);
                continue;
            }
            if (selector != null) {
                selector.append(' ').append(op);
                if (op.endsWith(")")) {
                    out.add(selector.toString());
                    selector = null;
                }
                continue;
            }
            out.add(op);
        }
        return selector == null ? out : null;
    }

    /** ACLKillPubsubClientsIfNeeded: the user's subscribers holding channels the new rules no longer allow. */
    private List<Client> pubsubClientsToKill(User updated, User original, Iterable<Client> clients) {
        for (Selector s : updated.selectors) if ((s.flags & Selector.ALLCHANNELS) != 0) return List.of();
        List<byte[]> upcoming = new ArrayList<>();
        List<String> upcomingNames = new ArrayList<>();
        for (Selector s : updated.selectors) {
            upcoming.addAll(s.channelBytes());
            upcomingNames.addAll(s.channels);
        }
        boolean match = true;
        for (Selector s : original.selectors) {
            if ((s.flags & Selector.ALLCHANNELS) != 0) {
                match = false;
                break;
            }
            for (String ch : s.channels) if (!upcomingNames.contains(ch)) match = false;
        }
        if (match) return List.of();
        List<Client> kill = new ArrayList<>();
        for (Client c : clients) {
            if (c.aclUser != original || !c.isSubscribed()) continue;
            boolean k = false;
            for (String p : c.patterns) k |= !Selector.matchesChannelList(upcoming, channelBytes(p), true);
            for (String ch : c.channels) k |= !Selector.matchesChannelList(upcoming, channelBytes(ch), false);
            for (String ch : c.shardChannels) k |= !Selector.matchesChannelList(upcoming, channelBytes(ch), false);
            if (k) kill.add(c);
        }
        return kill;
    }

    /** Subscriptions are kept as UTF-8 decoded strings. */
    private static byte[] channelBytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** ACL DELUSER of one user: removed, and its clients returned to be killed (ACLFreeUserAndKillClients). */
    public List<Client> deleteUser(String name, Iterable<Client> clients) {
        User u = users.remove(name);
        if (u == null) return null;
        return clientsOf(u, clients);
    }

    private static List<Client> clientsOf(User u, Iterable<Client> clients) {
        List<Client> l = new ArrayList<>();
        for (Client c : clients) if (c.aclUser == u) l.add(c);
        return l;
    }

    /* ---------------- ACL LOAD ---------------- */

    /**
     * ACLLoadFromFile's core: replaces every user by the file's lines, or changes nothing and
     * returns the errors. On success the clients of the users that were replaced are returned
     * to be killed (the default user is updated in place and keeps its clients).
     */
    public Object loadUsers(String fileName, String text, Iterable<Client> clients) {
        StringBuilder errors = new StringBuilder();
        Map<String, User> loaded = new TreeMap<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int linenum = i + 1;
            String line = lines[i].strip();
            if (line.isEmpty()) continue;
            List<String> argv = new ArrayList<>();
            for (String a : line.split(" ")) if (!a.isEmpty()) argv.add(a);
            if (argv.isEmpty()) continue;
            if (!argv.get(0).equals("user") || argv.size() < 2) {
                errors.append(fileName).append(':').append(linenum).append(" should start with user keyword followed by the username. ");
                continue;
            }
            String name = argv.get(1);
            if (Selector.hasSpaces(name)) {
                errors.append('\'').append(fileName).append(':').append(linenum).append(": username '").append(name).append("' contains invalid characters. ");
                continue;
            }
            if (loaded.containsKey(name)) {
                errors.append("WARNING: Duplicate user '").append(name).append("' found on line ").append(linenum).append(". ");
                continue;
            }
            User u = new User(name, index, pubsubDefault);
            loaded.put(name, u);
            List<String> merged = mergeSelectorArguments(argv.subList(2, argv.size()));
            if (merged == null) {
                errors.append(fileName).append(':').append(linenum).append(": Unmatched parenthesis in selector definition.");
                merged = List.of();
            }
            boolean syntaxError = false;
            for (String op : merged) {
                Selector.RuleError e = u.set(op, pubsubDefault);
                if (e == Selector.RuleError.ENOENT) {
                    errors.append(fileName).append(':').append(linenum).append(": Error in applying operation '").append(op).append("': ").append(e.message).append(". ");
                } else if (e != null && !syntaxError) {
                    errors.append(fileName).append(':').append(linenum).append(": ").append(e.message).append(". ");
                    syntaxError = true;
                }
            }
        }
        if (errors.length() > 0) {
            return errors.append("WARNING: ACL errors detected, no change to the previously active ACL rules was performed").toString();
        }
        User newDefault = loaded.get("default");
        defaultUser.copyFrom(newDefault != null ? newDefault : createDefaultUser());
        loaded.put("default", defaultUser);
        List<Client> kill = new ArrayList<>();
        for (User old : users.values()) if (old != defaultUser) kill.addAll(clientsOf(old, clients));
        users = loaded;
        return kill;
    }

    /** ACLSaveToFile's content: one "user name rules" line per user. */
    public String saveUsers() {
        StringBuilder sb = new StringBuilder();
        for (User u : users.values()) sb.append("user ").append(u.name).append(' ').append(u.describe()).append('\n');
        return sb.toString();
    }

    /* ---------------- authentication ---------------- */

    /** ACLAuthenticateUser: on success the client is this user; on failure the ACL LOG says so. */
    public boolean authenticate(Client c, String username, byte[] password, long nowMs) {
        User u = users.get(username);
        if (u != null && u.checkPassword(password)) {
            c.authenticated = true;
            c.aclUser = u;
            c.user = u.name;
            return true;
        }
        log.add(DENIED_AUTH, c.multi ? CTX_MULTI : CTX_TOPLEVEL, string(c.argv[0]), username, nowMs, clientInfo.apply(c));
        return false;
    }

    /* ---------------- permission checks ---------------- */

    /**
     * ACLCheckAllUserCommandPerm: OK, or the most relevant denial over all selectors (a
     * command denial only if no selector allows the command). pos()[0] holds the refused
     * argument's position relative to base.
     */
    public int check(User u, RedisCommand cmd, byte[][] argv, int base, int argc) {
        if (u == null || u.unrestricted) return OK;
        int id = index.id(cmd);
        if (id < 0) return OK;
        int relevant = DENIED_CMD;
        int lastIdx = 0;
        keysReady[0] = false;
        pos[0] = 0;
        for (Selector s : u.selectors) {
            int r = s.check(cmd, id, argv, base, argc, keys, keysReady, pos);
            if (r == OK) return OK;
            if (r > relevant || (r == relevant && pos[0] > lastIdx)) {
                relevant = r;
                lastIdx = pos[0];
            }
        }
        pos[0] = lastIdx;
        return relevant;
    }

    /** The refused argument's position after a failed {@link #check}. */
    public int deniedPosition() {
        return pos[0];
    }

    /**
     * The pipeline's ACL stage (and a script's redis.call): null when the client's user may
     * run its command, else the NOPERM error, logged in the ACL LOG.
     */
    public String checkClient(Client c, RedisCommand cmd, byte[][] argv, int argc, int context, long nowMs) {
        User u = c.aclUser;
        if (u == null || u.unrestricted) return null;
        int r = check(u, cmd, argv, 0, argc);
        if (r == OK) return null;
        String object = switch (r) {
            case DENIED_CMD -> cmd.fullName;
            default -> string(argv[pos[0]]);
        };
        log.add(r, context, object, u.name, nowMs, clientInfo.apply(c));
        return switch (r) {
            case DENIED_CMD -> String.format(NOPERM_CMD, cmd.fullName);
            case DENIED_KEY -> NOPERM_KEY;
            default -> NOPERM_CHANNEL;
        };
    }

    /**
     * For redis.call/pcall (script.c's scriptVerifyACL): null when the script caller's user may
     * run the inner command, else Redis's message, which the scripting layer wraps as a script
     * error; the denial is logged in "lua" context with the caller's client info.
     */
    public String checkScriptCall(Client caller, RedisCommand cmd, byte[][] argv, int argc, long nowMs) {
        User u = caller.aclUser;
        if (u == null || u.unrestricted || caller.obeyed) return null;
        int r = check(u, cmd, argv, 0, argc);
        if (r == OK) return null;
        log.add(r, CTX_LUA, r == DENIED_CMD ? cmd.fullName : string(argv[pos[0]]), u.name, nowMs, clientInfo.apply(caller));
        return "The user executing the script " + switch (r) {
            case DENIED_CMD -> "can't run this command or subcommand";
            case DENIED_KEY -> "can't access at least one of the keys mentioned in the command arguments";
            default -> "can't publish to the channel mentioned in the command";
        };
    }

    /** execCommand's re-check of a queued command: null, or the NOPERM reply (logged in MULTI context). */
    public String checkQueued(Client c, long nowMs) {
        User u = c.aclUser;
        if (u == null || u.unrestricted || c.obeyed) return null;
        int r = check(u, c.cmd, c.argv, 0, c.argc);
        if (r == OK) return null;
        log.add(r, CTX_MULTI, r == DENIED_CMD ? c.cmd.fullName : string(c.argv[pos[0]]), u.name, nowMs, clientInfo.apply(c));
        return "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call."
                + " This command is no longer allowed for the following reason: " + switch (r) {
            case DENIED_CMD -> "no permission to execute the command or subcommand";
            case DENIED_KEY -> "no permission to touch the specified keys";
            default -> "no permission to access one of the channels used as arguments";
        };
    }


    /** redactClientCommandArgument: a secret argument shows as "(redacted)" in the SLOWLOG. */
    /** Hides a secret argument from SLOWLOG and MONITOR (the command itself still reads it). */
    public static void redact(Client c, int argIndex) {
        if (argIndex < c.argc) c.redactArgument(argIndex);
    }

    /* ---------------- strings ---------------- */

    /** Bytes as a string of one char per byte: rules, names and patterns stay binary-safe. */
    public static String string(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** ACLStringHasSpaces: user names and patterns hold no whitespace nor NUL. */
    public static boolean hasSpaces(String s) {
        return Selector.hasSpaces(s);
    }

    /** sdssplitargs over a selector's inner rules; unbalanced quotes give no rules. */
    static List<String> splitArgs(String s) {
        byte[][] parts = ArgSplitter.split(bytes(s));
        List<String> out = new ArrayList<>();
        if (parts != null) for (byte[] p : parts) out.add(string(p));
        return out;
    }
}
