package io.magpie.engine.acl;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * An ACL user (Redis 7.0): flags, SHA-256 password hashes and selectors, the root one first.
 * {@link #unrestricted} is the dispatch fast path: a user whose root selector allows every
 * command, key and channel (the default user out of the box) is never checked further.
 */
public final class User {
    static final int ENABLED = 1, DISABLED = 1 << 1, NOPASS = 1 << 2, SKIP_SANITIZE = 1 << 3, SANITIZE = 1 << 4;
    /** ACLUserFlags, in the order ACL LIST and ACL GETUSER show them. */
    private static final String[] FLAG_NAMES = {"on", "off", "nopass", "skip-sanitize-payload", "sanitize-payload"};

    public final String name;
    int flags = DISABLED;
    final List<String> passwords = new ArrayList<>();
    final List<Selector> selectors = new ArrayList<>();
    /** True when no command, key or channel is denied: the pipeline skips the ACL check. */
    public boolean unrestricted;

    User(String name, AclCommandIndex index, int pubsubDefault) {
        this.name = name;
        selectors.add(new Selector(index, Selector.ROOT | pubsubDefault));
    }

    Selector root() {
        return selectors.get(0);
    }

    public boolean enabled() {
        return (flags & DISABLED) == 0;
    }

    public boolean nopass() {
        return (flags & NOPASS) != 0;
    }

    /** ACLCopyUser: the rules of src, keeping this user's name (clients holding this object see them). */
    void copyFrom(User src) {
        flags = src.flags;
        passwords.clear();
        passwords.addAll(src.passwords);
        selectors.clear();
        for (Selector s : src.selectors) selectors.add(s.copy());
        updateUnrestricted();
    }

    void updateUnrestricted() {
        int all = Selector.ALLCOMMANDS | Selector.ALLKEYS | Selector.ALLCHANNELS;
        boolean u = false;
        for (Selector s : selectors) u |= (s.flags & all) == all;
        unrestricted = u;
    }

    /** ACLSetUser: one user-level rule, or a rule for the root selector. */
    Selector.RuleError set(String op, int pubsubDefault) {
        if (op.isEmpty()) return null;
        if (op.equalsIgnoreCase("on")) {
            flags = (flags | ENABLED) & ~DISABLED;
        } else if (op.equalsIgnoreCase("off")) {
            flags = (flags | DISABLED) & ~ENABLED;
        } else if (op.equalsIgnoreCase("skip-sanitize-payload")) {
            flags = (flags | SKIP_SANITIZE) & ~SANITIZE;
        } else if (op.equalsIgnoreCase("sanitize-payload")) {
            flags = (flags | SANITIZE) & ~SKIP_SANITIZE;
        } else if (op.equalsIgnoreCase("nopass")) {
            flags |= NOPASS;
            passwords.clear();
        } else if (op.equalsIgnoreCase("resetpass")) {
            flags &= ~NOPASS;
            passwords.clear();
        } else if (op.startsWith(">") || op.startsWith("#")) {
            String hash = passwordHash(op, '>');
            if (hash == null) return Selector.RuleError.EBADMSG;
            if (!passwords.contains(hash)) passwords.add(hash);
            flags &= ~NOPASS;
        } else if (op.startsWith("<") || op.startsWith("!")) {
            String hash = passwordHash(op, '<');
            if (hash == null) return Selector.RuleError.EBADMSG;
            if (!passwords.remove(hash)) return Selector.RuleError.ENODEV;
        } else if (op.startsWith("(") && op.endsWith(")")) {
            Selector s = new Selector(root().index, pubsubDefault);
            for (String sop : Acl.splitArgs(op.substring(1, op.length() - 1))) {
                Selector.RuleError e = s.set(sop);
                if (e != null) return e;
            }
            selectors.add(s);
        } else if (op.equalsIgnoreCase("clearselectors")) {
            selectors.subList(1, selectors.size()).clear();
        } else if (op.equalsIgnoreCase("reset")) {
            set("resetpass", pubsubDefault);
            set("resetkeys", pubsubDefault);
            set("resetchannels", pubsubDefault);
            if ((pubsubDefault & Selector.ALLCHANNELS) != 0) set("allchannels", pubsubDefault);
            set("off", pubsubDefault);
            set("sanitize-payload", pubsubDefault);
            set("clearselectors", pubsubDefault);
            set("-@all", pubsubDefault);
        } else {
            Selector.RuleError e = root().set(op);
            if (e != null) return e;
        }
        updateUnrestricted();
        return null;
    }

    /** The hash a password rule names: hashed from clear text after the clear-text mark, else given (null if malformed). */
    private static String passwordHash(String op, char clearTextMark) {
        if (op.charAt(0) == clearTextMark) return hashPassword(Acl.bytes(op.substring(1)));
        String hash = op.substring(1);
        return isPasswordHash(hash) ? hash : null;
    }

    /** ACLDescribeUser: flags, password hashes, the root selector, then "(...)" selectors. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < FLAG_NAMES.length; j++) if ((flags & (1 << j)) != 0) sb.append(FLAG_NAMES[j]).append(' ');
        for (String p : passwords) sb.append('#').append(p).append(' ');
        for (Selector s : selectors) {
            if ((s.flags & Selector.ROOT) != 0) sb.append(s.describe());
            else sb.append(" (").append(s.describe()).append(')');
        }
        return sb.toString();
    }

    List<String> flagNames() {
        List<String> l = new ArrayList<>();
        for (int j = 0; j < FLAG_NAMES.length; j++) if ((flags & (1 << j)) != 0) l.add(FLAG_NAMES[j]);
        return l;
    }

    /** ACLCheckUserCredentials for an existing user: enabled, and nopass or a matching hash. */
    boolean checkPassword(byte[] password) {
        if (!enabled()) return false;
        if (nopass()) return true;
        byte[] hashed = hashPassword(password).getBytes(StandardCharsets.US_ASCII);
        boolean ok = false;
        for (String p : passwords) ok |= MessageDigest.isEqual(hashed, p.getBytes(StandardCharsets.US_ASCII));
        return ok;
    }

    /** ACLHashPassword: lower-case hex SHA-256. */
    static String hashPassword(byte[] cleartext) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(cleartext);
            StringBuilder sb = new StringBuilder(64);
            for (byte b : h) sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean isPasswordHash(String h) {
        if (h.length() != 64) return false;
        for (int i = 0; i < 64; i++) {
            char c = h.charAt(i);
            if ((c < 'a' || c > 'f') && (c < '0' || c > '9')) return false;
        }
        return true;
    }
}
