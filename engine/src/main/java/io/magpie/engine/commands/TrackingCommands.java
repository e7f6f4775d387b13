package io.magpie.engine.commands;

import io.magpie.engine.Client;
import io.magpie.engine.Errors;
import io.magpie.engine.ReplyException;
import io.magpie.engine.Tracking;
import io.magpie.commands.CommandTable;
import io.magpie.engine.command.CommandHandler;
import io.magpie.engine.util.ByteKey;
import io.magpie.engine.util.Numbers;
import java.util.ArrayList;
import java.util.List;

/** CLIENT TRACKING, CACHING, TRACKINGINFO and GETREDIR (client side caching, networking.c). */
final class TrackingCommands {
    private TrackingCommands() {}

    static void register(CommandTable<CommandHandler> t) {
        t.register("client|tracking", TrackingCommands::tracking);
        t.register("client|caching", TrackingCommands::caching);
        t.register("client|trackinginfo", TrackingCommands::trackingInfo);
        t.register("client|getredir", TrackingCommands::getRedir);
    }

    /** CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]. */
    static void tracking(Client c) {
        long redirect = 0;
        boolean bcast = false, optin = false, optout = false, noloop = false;
        List<byte[]> prefixes = new ArrayList<>();
        for (int j = 3; j < c.argc; j++) {
            boolean more = j + 1 < c.argc;
            if (c.argIs(j, "redirect") && more) {
                j++;
                if (redirect != 0) throw new ReplyException("ERR A client can only redirect to a single other client");
                long[] id = new long[1];
                if (!Numbers.parseLong(c.argv[j], id)) throw new ReplyException(Errors.NOT_INTEGER);
                redirect = id[0];
                if (!c.engine.clients().containsKey(redirect)) {
                    throw new ReplyException("ERR The client ID you want redirect to does not exist");
                }
            } else if (c.argIs(j, "bcast")) {
                bcast = true;
            } else if (c.argIs(j, "optin")) {
                optin = true;
            } else if (c.argIs(j, "optout")) {
                optout = true;
            } else if (c.argIs(j, "noloop")) {
                noloop = true;
            } else if (c.argIs(j, "prefix") && more) {
                prefixes.add(c.argv[++j]);
            } else {
                throw new ReplyException(Errors.SYNTAX);
            }
        }
        Tracking.ClientState state = c.tracking;
        boolean on = Tracking.isOn(c);
        if (c.argIs(2, "on")) {
            if (!bcast && !prefixes.isEmpty()) throw new ReplyException("ERR PREFIX option requires BCAST mode to be enabled");
            if (on && state.bcast != bcast) {
                throw new ReplyException("ERR You can't switch BCAST mode on/off before disabling tracking for this client, "
                        + "and then re-enabling it with a different mode.");
            }
            if (bcast && (optin || optout)) throw new ReplyException("ERR OPTIN and OPTOUT are not compatible with BCAST");
            if (optin && optout) throw new ReplyException("ERR You can't specify both OPTIN mode and OPTOUT mode");
            if (on && ((optin && state.optout) || (optout && state.optin))) {
                throw new ReplyException("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, "
                        + "and then re-enabling it with a different mode.");
            }
            if (bcast) {
                String collision = Tracking.prefixCollision(c, prefixes);
                if (collision != null) throw new ReplyException(collision);
            }
            c.engine.tracking.enable(c, redirect, bcast, optin, optout, noloop, prefixes);
        } else if (c.argIs(2, "off")) {
            c.engine.tracking.disable(c);
        } else {
            throw new ReplyException(Errors.SYNTAX);
        }
        c.addReplyOk();
    }

    /** CLIENT CACHING YES|NO: applies to the next command (or transaction) only. */
    static void caching(Client c) {
        if (!Tracking.isOn(c)) {
            throw new ReplyException("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled");
        }
        if (c.argIs(2, "yes")) {
            if (!c.tracking.optin) throw new ReplyException("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
        } else if (c.argIs(2, "no")) {
            if (!c.tracking.optout) throw new ReplyException("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
        } else {
            throw new ReplyException(Errors.SYNTAX);
        }
        c.tracking.caching = true;
        c.addReplyOk();
    }

    static void getRedir(Client c) {
        c.addReplyLongLong(Tracking.isOn(c) ? c.tracking.redirect : -1);
    }

    /** CLIENT TRACKINGINFO: flags, redirect and prefixes. */
    static void trackingInfo(Client c) {
        Tracking.ClientState t = c.tracking;
        boolean on = Tracking.isOn(c);
        List<String> flags = new ArrayList<>();
        flags.add(on ? "on" : "off");
        if (on) {
            if (t.bcast) flags.add("bcast");
            if (t.optin) {
                flags.add("optin");
                if (t.caching) flags.add("caching-yes");
            }
            if (t.optout) {
                flags.add("optout");
                if (t.caching) flags.add("caching-no");
            }
            if (t.noloop) flags.add("noloop");
            if (t.brokenRedirect) flags.add("broken_redirect");
        }
        c.addReplyMapLen(3);
        c.addReplyBulkString("flags");
        c.addReplySetLen(flags.size());
        for (String f : flags) c.addReplyBulkString(f);
        c.addReplyBulkString("redirect");
        c.addReplyLongLong(on ? t.redirect : -1);
        c.addReplyBulkString("prefixes");
        if (t == null || t.prefixes.isEmpty()) {
            c.addReplyArrayLen(0);
        } else {
            c.addReplyArrayLen(t.prefixes.size());
            for (ByteKey p : t.prefixes.keySet()) c.addReplyBulk(p.bytes);
        }
    }
}
