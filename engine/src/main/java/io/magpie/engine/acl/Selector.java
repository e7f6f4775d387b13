package io.magpie.engine.acl;

import io.magpie.commands.KeyExtraction;
import io.magpie.commands.KeyFlags;
import io.magpie.commands.KeyReferences;
import io.magpie.commands.RedisCommand;
import io.magpie.protocol.Glob;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One ACL selector (Redis 7's aclSelector): a command bitmap with allowed first arguments,
 * key patterns with read/write permissions, and channel patterns. A user has a root selector
 * and any number of "(...)" selectors; a command runs if one of them allows it whole.
 * Rule strings are kept as ISO-8859-1 strings, one char per byte, so patterns stay binary-safe.
 */
final class Selector {
    static final int ROOT = 1, ALLKEYS = 1 << 1, ALLCHANNELS = 1 << 2, ALLCOMMANDS = 1 << 3;
    /** Key pattern permissions (ACL_READ_PERMISSION, ACL_WRITE_PERMISSION). */
    static final int READ = 1, WRITE = 2, ALL = READ | WRITE;

    /** A key pattern with the permissions it grants. */
    static final class KeyPattern {
        final String pattern;
        final byte[] bytes;
        int flags;

        KeyPattern(String pattern, int flags) {
            this.pattern = pattern;
            this.bytes = Acl.bytes(pattern);
            this.flags = flags;
        }

        /** sdsCatPatternString */
        String describe() {
            return (flags == ALL ? "~" : flags == READ ? "%R~" : "%W~") + pattern;
        }
    }

    /** Why a rule was refused (the errno of ACLSetSelector / ACLSetUser), with Redis's message. */
    enum RuleError {
        ENOENT("Unknown command or category name in ACL"),
        EINVAL("Syntax error"),
        EEXIST("Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns"),
        EISDIR("Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels"),
        ENODEV("The password you are trying to remove from the user does not exist"),
        EBADMSG("The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"),
        ECHILD("Allowing first-arg of a subcommand is not supported");

        final String message;

        RuleError(String message) {
            this.message = message;
        }
    }

    final AclCommandIndex index;
    int flags;
    /** One bit per command id, plus the last bit: "future commands", set only by +@all. */
    final long[] allowed;
    /** Allowed first arguments of otherwise denied commands, by command id; null when none. */
    Map<Integer, List<String>> firstArgs;
    final List<KeyPattern> patterns = new ArrayList<>();
    final List<String> channels = new ArrayList<>();
    private final List<byte[]> channelBytes = new ArrayList<>();

    Selector(AclCommandIndex index, int flags) {
        this.index = index;
        this.flags = flags;
        this.allowed = new long[(index.size() + 1 + 63) / 64];
    }

    Selector copy() {
        Selector s = new Selector(index, flags);
        System.arraycopy(allowed, 0, s.allowed, 0, allowed.length);
        if (firstArgs != null) {
            s.firstArgs = new HashMap<>();
            firstArgs.forEach((id, l) -> s.firstArgs.put(id, new ArrayList<>(l)));
        }
        for (KeyPattern p : patterns) s.patterns.add(new KeyPattern(p.pattern, p.flags));
        s.channels.addAll(channels);
        s.channelBytes.addAll(channelBytes);
        return s;
    }

    /* ---------------- command bits ---------------- */

    boolean bit(int id) {
        return (allowed[id >>> 6] & (1L << id)) != 0;
    }

    boolean canRunFutureCommands() {
        return bit(index.size());
    }

    private void setBit(int id, boolean value) {
        if (value) {
            allowed[id >>> 6] |= 1L << id;
        } else {
            allowed[id >>> 6] &= ~(1L << id);
            flags &= ~ALLCOMMANDS;
        }
    }

    /** ACLChangeSelectorPerm: a container's subcommands follow it. */
    void changePerm(RedisCommand cmd, boolean allow) {
        int id = index.id(cmd);
        setBit(id, allow);
        if (firstArgs != null) firstArgs.remove(id);
        for (RedisCommand sub : cmd.subcommands().values()) setBit(index.id(sub), allow);
    }

    private void setCategory(long flag, boolean value) {
        for (int id = 0; id < index.size(); id++) {
            if ((index.categories(id) & flag) != 0) changePerm(index.command(id), value);
        }
    }

    /** ACLCountCategoryBitsForSelector: {on, off} among the category's commands. */
    long[] countCategory(long flag) {
        long on = 0, off = 0;
        for (int id = 0; id < index.size(); id++) {
            if ((index.categories(id) & flag) == 0) continue;
            if (bit(id)) on++;
            else off++;
        }
        return new long[] {on, off};
    }

    /* ---------------- rules ---------------- */

    /** ACLSetSelector: applies one rule; null when done, else why not (and nothing changed). */
    RuleError set(String op) {
        if (op.equalsIgnoreCase("allkeys") || op.equalsIgnoreCase("~*")) {
            flags |= ALLKEYS;
            patterns.clear();
        } else if (op.equalsIgnoreCase("resetkeys")) {
            flags &= ~ALLKEYS;
            patterns.clear();
        } else if (op.equalsIgnoreCase("allchannels") || op.equalsIgnoreCase("&*")) {
            flags |= ALLCHANNELS;
            clearChannels();
        } else if (op.equalsIgnoreCase("resetchannels")) {
            flags &= ~ALLCHANNELS;
            clearChannels();
        } else if (op.equalsIgnoreCase("allcommands") || op.equalsIgnoreCase("+@all")) {
            Arrays.fill(allowed, -1L);
            flags |= ALLCOMMANDS;
            firstArgs = null;
        } else if (op.equalsIgnoreCase("nocommands") || op.equalsIgnoreCase("-@all")) {
            Arrays.fill(allowed, 0L);
            flags &= ~ALLCOMMANDS;
            firstArgs = null;
        } else if (op.startsWith("~") || op.startsWith("%")) {
            return addKeyPattern(op);
        } else if (op.startsWith("&")) {
            if ((flags & ALLCHANNELS) != 0) return RuleError.EISDIR;
            String pat = op.substring(1);
            if (hasSpaces(pat)) return RuleError.EINVAL;
            if (!channels.contains(pat)) {
                channels.add(pat);
                channelBytes.add(Acl.bytes(pat));
            }
            flags &= ~ALLCHANNELS;
        } else if (op.startsWith("+") && !op.startsWith("+@")) {
            return allowCommand(op.substring(1));
        } else if (op.startsWith("-") && !op.startsWith("-@")) {
            RedisCommand cmd = index.lookup(op.substring(1));
            if (cmd == null) return RuleError.ENOENT;
            changePerm(cmd, false);
        } else if (op.startsWith("+@") || op.startsWith("-@")) {
            long flag = AclCommandIndex.categoryFlag(op.substring(2));
            if (flag == 0) return RuleError.ENOENT;
            setCategory(flag, op.charAt(0) == '+');
        } else {
            return RuleError.EINVAL;
        }
        return null;
    }

    private void clearChannels() {
        channels.clear();
        channelBytes.clear();
    }

    private RuleError addKeyPattern(String op) {
        if ((flags & ALLKEYS) != 0) return RuleError.EEXIST;
        int perm = 0;
        int offset = 1;
        if (op.charAt(0) == '%') {
            for (; offset < op.length(); offset++) {
                char ch = Character.toUpperCase(op.charAt(offset));
                if (ch == 'R' && (perm & READ) == 0) {
                    perm |= READ;
                } else if (ch == 'W' && (perm & WRITE) == 0) {
                    perm |= WRITE;
                } else if (op.charAt(offset) == '~') {
                    offset++;
                    break;
                } else {
                    return RuleError.EINVAL;
                }
            }
        } else {
            perm = ALL;
        }
        String pat = op.substring(Math.min(offset, op.length()));
        if (hasSpaces(pat)) return RuleError.EINVAL;
        KeyPattern existing = null;
        for (KeyPattern p : patterns) if (p.pattern.equals(pat)) existing = p;
        if (existing == null) patterns.add(new KeyPattern(pat, perm));
        else existing.flags |= perm;
        flags &= ~ALLKEYS;
        return null;
    }

    /** "+cmd", "+container|sub", or "+cmd|firstarg" for a command without subcommands. */
    private RuleError allowCommand(String name) {
        int bar = name.lastIndexOf('|');
        if (bar < 0) {
            RedisCommand cmd = index.lookup(name);
            if (cmd == null) return RuleError.ENOENT;
            changePerm(cmd, true);
            return null;
        }
        RedisCommand cmd = index.lookup(name.substring(0, bar));
        if (cmd == null) return RuleError.ENOENT;
        if (cmd.parent != null) return RuleError.ECHILD;
        String sub = name.substring(bar + 1);
        if (sub.isEmpty()) return RuleError.EINVAL;
        if (cmd.hasSubcommands()) {
            RedisCommand subcmd = index.lookup(name);
            if (subcmd == null) return RuleError.ENOENT;
            changePerm(subcmd, true);
        } else {
            // Redis logs a deprecation warning here: first-arg rules may go away.
            if (firstArgs == null) firstArgs = new HashMap<>();
            List<String> l = firstArgs.computeIfAbsent(index.id(cmd), k -> new ArrayList<>());
            for (String s : l) if (s.equalsIgnoreCase(sub)) return null;
            l.add(sub);
        }
        return null;
    }

    /** ACLStringHasSpaces: no whitespace nor NUL in names and patterns. */
    static boolean hasSpaces(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ' ' || c == '\t' || c == '\n' || c == 0x0b || c == '\f' || c == '\r' || c == 0) return true;
        }
        return false;
    }

    /* ---------------- checks ---------------- */

    /**
     * ACLSelectorCheckCmd: OK or the denial (CMD, KEY, CHANNEL); pos[0] gets the refused
     * argument's position. keys caches the call's keys across selectors (keysReady[0]).
     */
    int check(RedisCommand cmd, int id, byte[][] argv, int base, int argc, KeyReferences keys, boolean[] keysReady, int[] pos) {
        if ((flags & ALLCOMMANDS) == 0 && !cmd.noAuth && !bit(id)) {
            List<String> args = firstArgs == null ? null : firstArgs.get(id);
            int idx = cmd.parent != null ? 2 : 1;
            if (argc <= idx || args == null) return Acl.DENIED_CMD;
            String first = Acl.string(argv[base + idx]);
            boolean match = false;
            for (String a : args) match |= a.equalsIgnoreCase(first);
            if (!match) return Acl.DENIED_CMD;
        }
        if ((flags & ALLKEYS) == 0 && KeyExtraction.hasKeys(cmd)) {
            if (!keysReady[0]) {
                KeyExtraction.getKeys(cmd, argv, base, argc, keys);
                keysReady[0] = true;
            }
            for (int j = 0; j < keys.count(); j++) {
                int p = keys.position(j);
                if (!checkKey(argv[base + p], keys.flags(j))) {
                    pos[0] = p;
                    return Acl.DENIED_KEY;
                }
            }
        }
        byte kind = index.channelKind(id);
        if ((flags & ALLCHANNELS) == 0 && kind != 0) {
            int stop = kind == AclCommandIndex.CHANNEL_PUBLISH ? Math.min(2, argc) : argc;
            for (int p = 1; p < stop; p++) {
                if (!checkChannel(argv[base + p], kind == AclCommandIndex.CHANNEL_PATTERN)) {
                    pos[0] = p;
                    return Acl.DENIED_CHANNEL;
                }
            }
        }
        return Acl.OK;
    }

    /** ACLSelectorCheckKey: a pattern granting every permission the key's flags need. */
    boolean checkKey(byte[] key, int keySpecFlags) {
        if ((flags & ALLKEYS) != 0) return true;
        int need = 0;
        if ((keySpecFlags & KeyFlags.ACCESS) != 0) need |= READ;
        if ((keySpecFlags & (KeyFlags.INSERT | KeyFlags.DELETE | KeyFlags.UPDATE)) != 0) need |= WRITE;
        for (KeyPattern p : patterns) {
            if ((p.flags & need) != need) continue;
            if (Glob.match(p.bytes, key, false)) return true;
        }
        return false;
    }

    /** ACLCheckChannelAgainstList: a channel globs against the patterns; a PSUBSCRIBE pattern must equal one. */
    boolean checkChannel(byte[] channel, boolean isPattern) {
        if ((flags & ALLCHANNELS) != 0) return true;
        return matchesChannelList(channelBytes, channel, isPattern);
    }

    static boolean matchesChannelList(List<byte[]> list, byte[] channel, boolean isPattern) {
        for (byte[] p : list) {
            if (isPattern ? Arrays.equals(p, channel) : Glob.match(p, channel, false)) return true;
        }
        return false;
    }

    List<byte[]> channelBytes() {
        return channelBytes;
    }

    /* ---------------- description ---------------- */

    /** ACLDescribeSelector: keys, channels, then command rules, as ACL LIST shows them. */
    String describe() {
        StringBuilder sb = new StringBuilder();
        if ((flags & ALLKEYS) != 0) {
            sb.append("~* ");
        } else {
            for (KeyPattern p : patterns) sb.append(p.describe()).append(' ');
        }
        if ((flags & ALLCHANNELS) != 0) {
            sb.append("&* ");
        } else {
            sb.append("resetchannels ");
            for (String ch : channels) sb.append('&').append(ch).append(' ');
        }
        sb.append(describeCommandRules());
        return sb.toString();
    }

    String describeKeys() {
        if ((flags & ALLKEYS) != 0) return "~*";
        StringBuilder sb = new StringBuilder();
        for (KeyPattern p : patterns) {
            if (sb.length() > 0) sb.append(' ');
            sb.append(p.describe());
        }
        return sb.toString();
    }

    String describeChannels() {
        if ((flags & ALLCHANNELS) != 0) return "&*";
        StringBuilder sb = new StringBuilder();
        for (String ch : channels) {
            if (sb.length() > 0) sb.append(' ');
            sb.append('&').append(ch);
        }
        return sb.toString();
    }

    /**
     * ACLDescribeSelectorCommandRules: +@all or -@all, then the categories that best fit the
     * bitmap (greedily, in category order), then single commands to make it exact.
     */
    String describeCommandRules() {
        StringBuilder rules = new StringBuilder();
        Selector fake = new Selector(index, 0);
        boolean additive;
        if (canRunFutureCommands()) {
            additive = false;
            rules.append("+@all ");
            fake.set("+@all");
        } else {
            additive = true;
            rules.append("-@all ");
            fake.set("-@all");
        }
        Selector temp = new Selector(index, 0);
        System.arraycopy(allowed, 0, temp.allowed, 0, allowed.length);
        boolean[] applied = new boolean[AclCommandIndex.CATEGORIES.length];
        while (true) {
            int best = -1;
            long minDiff = Integer.MAX_VALUE, maxSame = 0;
            for (int j = 0; j < applied.length; j++) {
                if (applied[j]) continue;
                long[] onOff = temp.countCategory(1L << j);
                long diff = additive ? onOff[1] : onOff[0];
                long same = additive ? onOff[0] : onOff[1];
                if (same > diff && (diff < minDiff || (diff == minDiff && same > maxSame))) {
                    best = j;
                    minDiff = diff;
                    maxSame = same;
                }
            }
            if (best == -1) break;
            String name = AclCommandIndex.CATEGORIES[best];
            fake.set((additive ? "+@" : "-@") + name);
            temp.set((additive ? "-@" : "+@") + name);
            rules.append(additive ? "+@" : "-@").append(name).append(' ');
            applied[best] = true;
        }
        for (int id = 0; id < index.size(); id++) {
            RedisCommand cmd = index.command(id);
            boolean userBit = bit(id);
            if (userBit != fake.bit(id)) {
                rules.append(userBit ? '+' : '-').append(cmd.fullName).append(' ');
                fake.changePerm(cmd, userBit);
            }
            List<String> args = firstArgs == null ? null : firstArgs.get(id);
            if (!userBit && args != null) {
                for (String a : args) rules.append('+').append(cmd.fullName).append('|').append(a).append(' ');
            }
        }
        rules.setLength(rules.length() - 1);
        if (!Arrays.equals(fake.allowed, allowed)) {
            // Redis panics here rather than describe rules that do not give back the same permissions.
            throw new IllegalStateException("ACL rules do not rebuild the command bitmap: " + rules);
        }
        return rules.toString();
    }
}
