package io.magpie.engine.acl;

import io.magpie.engine.Client;
import java.util.List;

/** The replies of ACL GETUSER and ACL LOG, field by field as Redis 7.0 writes them. */
public final class AclReplies {
    private AclReplies() {}

    /** ACL GETUSER: flags, passwords, the root selector's commands/keys/channels, then the other selectors. */
    public static void getuser(Client c, User u) {
        c.addReplyMapLen(6);
        c.addReplyBulkString("flags");
        List<String> flags = u.flagNames();
        c.addReplySetLen(flags.size());
        for (String f : flags) c.addReplyBulkString(f);
        c.addReplyBulkString("passwords");
        c.addReplyArrayLen(u.passwords.size());
        for (String p : u.passwords) c.addReplyBulkString(p);
        selector(c, u.root());
        c.addReplyBulkString("selectors");
        c.addReplyArrayLen(u.selectors.size() - 1);
        for (Selector s : u.selectors.subList(1, u.selectors.size())) {
            c.addReplyMapLen(3);
            selector(c, s);
        }
    }

    private static void selector(Client c, Selector s) {
        c.addReplyBulkString("commands");
        c.addReplyBulk(Acl.bytes(s.describeCommandRules()));
        c.addReplyBulkString("keys");
        c.addReplyBulk(Acl.bytes(s.describeKeys()));
        c.addReplyBulkString("channels");
        c.addReplyBulk(Acl.bytes(s.describeChannels()));
    }

    /** One ACL LOG entry: a map of seven fields, the age as a double in seconds. */
    public static void logEntry(Client c, AclLog.Entry e, long nowMs) {
        c.addReplyMapLen(7);
        c.addReplyBulkString("count");
        c.addReplyLongLong(e.count);
        c.addReplyBulkString("reason");
        c.addReplyBulkString(e.reasonName());
        c.addReplyBulkString("context");
        c.addReplyBulkString(e.contextName());
        c.addReplyBulkString("object");
        c.addReplyBulk(Acl.bytes(e.object));
        c.addReplyBulkString("username");
        c.addReplyBulk(Acl.bytes(e.username));
        c.addReplyBulkString("age-seconds");
        c.addReplyDouble((double) (nowMs - e.ctimeMs) / 1000);
        c.addReplyBulkString("client-info");
        c.addReplyBulkString(e.clientInfo);
    }
}
