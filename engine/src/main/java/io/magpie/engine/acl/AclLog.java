package io.magpie.engine.acl;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;

/**
 * The ACL LOG (acl.c's ACLLog): denied commands, keys, channels and AUTHs, newest first.
 * A denial like one of the last ten within a minute bumps that entry's count instead.
 */
public final class AclLog {
    static final long GROUPING_MAX_TIME_DELTA_MS = 60000;

    public static final class Entry {
        public long count = 1;
        public final int reason, context;
        public final String object, username;
        public long ctimeMs;
        public String clientInfo;

        Entry(int reason, int context, String object, String username, long ctimeMs, String clientInfo) {
            this.reason = reason;
            this.context = context;
            this.object = object;
            this.username = username;
            this.ctimeMs = ctimeMs;
            this.clientInfo = clientInfo;
        }

        public String reasonName() {
            return switch (reason) {
                case Acl.DENIED_CMD -> "command";
                case Acl.DENIED_KEY -> "key";
                case Acl.DENIED_CHANNEL -> "channel";
                case Acl.DENIED_AUTH -> "auth";
                default -> "unknown";
            };
        }

        public String contextName() {
            return switch (context) {
                case Acl.CTX_TOPLEVEL -> "toplevel";
                case Acl.CTX_MULTI -> "multi";
                case Acl.CTX_LUA -> "lua";
                default -> "unknown";
            };
        }

        boolean matches(Entry o) {
            return reason == o.reason && context == o.context && Math.abs(ctimeMs - o.ctimeMs) <= GROUPING_MAX_TIME_DELTA_MS
                    && object.equals(o.object) && username.equals(o.username);
        }
    }

    private final LinkedList<Entry> entries = new LinkedList<>();
    private int maxLen = 128;

    public void setMaxLen(int maxLen) {
        this.maxLen = maxLen;
        trim();
    }

    void add(int reason, int context, String object, String username, long nowMs, String clientInfo) {
        Entry e = new Entry(reason, context, object, username, nowMs, clientInfo);
        Iterator<Entry> it = entries.iterator();
        for (int scanned = 0; scanned < 10 && it.hasNext(); scanned++) {
            Entry cur = it.next();
            if (cur.matches(e)) {
                it.remove();
                cur.clientInfo = clientInfo;
                cur.ctimeMs = nowMs;
                cur.count++;
                entries.addFirst(cur);
                return;
            }
        }
        entries.addFirst(e);
        trim();
    }

    private void trim() {
        while (entries.size() > maxLen) entries.removeLast();
    }

    public void reset() {
        entries.clear();
    }

    /** The newest count entries. */
    public List<Entry> newest(long count) {
        List<Entry> l = new ArrayList<>();
        for (Entry e : entries) {
            if (l.size() >= count) break;
            l.add(e);
        }
        return l;
    }
}
