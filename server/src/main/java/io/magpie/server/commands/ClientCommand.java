package io.magpie.server.commands;

import io.magpie.engine.Args;
import io.magpie.engine.Client;
import io.magpie.engine.Errors;
import io.magpie.engine.ReplyException;
import io.magpie.commands.CommandTable;
import io.magpie.engine.command.CommandHandler;
import io.magpie.server.ClientSession;
import io.magpie.server.MagpieServer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** CLIENT subcommands (networking.c clientCommand): introspection and control of connections. */
public final class ClientCommand {
    private ClientCommand() {}

    static void register(MagpieServer server) {
        server.setClientDescriber(c -> clientInfoString(server, c));
        CommandTable<CommandHandler> t = server.engine().commands;
        t.register("client|id", c -> c.addReplyLongLong(c.id));
        t.register("client|info", c -> c.addReplyVerbatim(clientInfoString(server, c) + "\n", "txt"));
        t.register("client|list", c -> list(server, c));
        t.register("client|kill", c -> kill(server, c));
        t.register("client|setname", ClientCommand::setName);
        t.register("client|getname", c -> {
            if (c.name.isEmpty()) c.addReplyNull();
            else c.addReplyBulkString(c.name);
        });
        t.register("client|pause", c -> pause(server, c));
        t.register("client|unpause", c -> {
            server.unpause();
            c.addReplyOk();
        });
        t.register("client|reply", ClientCommand::reply);
        t.register("client|no-evict", c -> {
            c.noEvict = onOff(c, 2);
            c.addReplyOk();
        });
        t.register("client|unblock", c -> unblock(server, c));
        t.register("client|help", ClientCommand::help);
    }

    /** Sizes of Redis's structures that CLIENT LIST's memory fields count (64-bit, jemalloc). */
    private static final long POINTER_SIZE = 8, CLIENT_STRUCT_SIZE = 768, MULTI_CMD_SIZE = 24, LIST_NODE_SIZE = 24,
            DICT_ENTRY_SIZE = 24;

    /** The CLIENT LIST line of a client (catClientInfoString), without the trailing newline. */
    public static String clientInfoString(MagpieServer server, Client c) {
        ClientSession s = c.conn instanceof ClientSession cs ? cs : null;
        long now = server.engine().now();
        boolean current = server.engine().currentClient() == c;
        // Redis counts the argument bytes (argv_len_sum), and for MULTI also a pointer per argument.
        long argvMem = 0;
        int argc = current && c.argv != null ? c.argc : 0;
        for (int i = 0; i < argc; i++) argvMem += c.argv[i].length;
        long multiMem = 0;
        for (byte[][] q : c.multiQueue) {
            multiMem += POINTER_SIZE * q.length;
            for (byte[] a : q) multiMem += a.length;
        }
        long qbuf = s == null ? 0 : s.queryBufferLength();
        long qbufFree = s == null ? 0 : s.queryBufferFree();
        int obl = s == null ? 0 : s.outputBufferBytes();
        // The reply list as Redis's: what waits in the queue and in the channel, not yet on the socket.
        long omem = s == null ? 0 : s.replyListBytes() + s.socketPendingBytes();
        long oll = s == null ? 0 : s.replyListLength() + s.socketPendingPieces();
        int rbs = s == null ? 0 : s.replyBufferSize();
        int rbp = s == null ? 0 : s.replyBufferPeak();
        // getClientMemoryUsage: reply list, query buffer, the client struct, static reply buffer,
        // arguments, MULTI state (its commands array) and pub/sub bookkeeping.
        long totMem = omem + (s == null ? 0 : s.queryBufferMemory()) + CLIENT_STRUCT_SIZE + rbs
                + argvMem + POINTER_SIZE * argc
                + (c.multiQueue.isEmpty() ? 0 : multiMem + MULTI_CMD_SIZE * c.multiQueue.size())
                + LIST_NODE_SIZE * c.patterns.size() + DICT_ENTRY_SIZE * 2L * c.channels.size();
        StringBuilder sb = new StringBuilder(256);
        sb.append("id=").append(c.id)
                .append(" addr=").append(c.conn == null ? "" : c.conn.remoteAddress())
                .append(" laddr=").append(c.conn == null ? "" : c.conn.localAddress())
                .append(" fd=").append(s == null ? -1 : s.fd())
                .append(" name=").append(c.name)
                .append(" age=").append((now - c.ctime) / 1000)
                .append(" idle=").append((now - c.lastInteraction) / 1000)
                .append(" flags=").append(flags(c))
                .append(" db=").append(c.db.id)
                .append(" sub=").append(c.channels.size())
                .append(" psub=").append(c.patterns.size())
                .append(" ssub=").append(c.shardChannels.size())
                .append(" multi=").append(c.multi ? c.multiQueue.size() : -1)
                .append(" qbuf=").append(qbuf)
                .append(" qbuf-free=").append(qbufFree)
                .append(" argv-mem=").append(argvMem)
                .append(" multi-mem=").append(multiMem)
                .append(" rbs=").append(rbs)
                .append(" rbp=").append(rbp)
                .append(" obl=").append(obl)
                .append(" oll=").append(oll)
                .append(" omem=").append(omem)
                .append(" tot-mem=").append(totMem)
                .append(" events=").append(omem > 0 ? "rw" : "r")
                .append(" cmd=").append(c.cmd == null ? "NULL" : c.cmd.fullName)
                .append(" user=").append(c.user)
                .append(" redir=-1")
                .append(" resp=").append(c.resp());
        return sb.toString();
    }

    /** getClientFlags: one letter per flag, N for none. */
    static String flags(Client c) {
        StringBuilder f = new StringBuilder();
        if (c.monitor) f.append('O');
        else if (c.replica) f.append('S');
        if (c.master) f.append('M');
        if (c.isSubscribed()) f.append('P');
        if (c.multi) f.append('x');
        if (c.blocked || c.conn instanceof io.magpie.server.ClientSession s && s.paused()) f.append('b');
        if (io.magpie.engine.Tracking.isOn(c)) {
            f.append('t');
            if (c.tracking.brokenRedirect) f.append('R');
            if (c.tracking.bcast) f.append('B');
        }
        if (c.dirtyCas) f.append('d');
        if (c.closeAfterReply) f.append('c');
        if (c.conn instanceof io.magpie.server.ClientSession s && s.unixSocket()) f.append('U');
        if (c.readonlyMode) f.append('r');
        if (c.noEvict) f.append('e');
        return f.length() == 0 ? "N" : f.toString();
    }

    /** The client class for TYPE filters: normal, master, replica (slave), pubsub; null if unknown. */
    static String clientType(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "normal" -> "normal";
            case "master" -> "master";
            case "replica", "slave" -> "replica";
            case "pubsub" -> "pubsub";
            default -> null;
        };
    }

    static String typeOf(Client c) {
        if (c.master) return "master";
        if (c.replica && !c.monitor) return "replica";
        if (c.isSubscribed()) return "pubsub";
        return "normal";
    }

    static void list(MagpieServer server, Client c) {
        String type = null;
        Set<Long> ids = null;
        if (c.argc == 4 && c.argIs(2, "type")) {
            type = clientType(c.argString(3));
            if (type == null) throw new ReplyException("ERR Unknown client type '" + c.argString(3) + "'");
        } else if (c.argc > 3 && c.argIs(2, "id")) {
            ids = new HashSet<>();
            for (int i = 3; i < c.argc; i++) {
                long id;
                try {
                    id = Args.parseLong(c.argv[i]);
                } catch (ReplyException e) {
                    throw new ReplyException("ERR Invalid client ID");
                }
                ids.add(id);
            }
        } else if (c.argc != 2) {
            throw new ReplyException(Errors.SYNTAX);
        }
        StringBuilder sb = new StringBuilder();
        for (Client other : server.clients()) {
            if (type != null && !typeOf(other).equals(type)) continue;
            if (ids != null && !ids.contains(other.id)) continue;
            sb.append(clientInfoString(server, other)).append('\n');
        }
        c.addReplyVerbatim(sb.toString(), "txt");
    }

    /** CLIENT KILL ip:port, or CLIENT KILL <filter> <value> ... (returns how many were killed). */
    static void kill(MagpieServer server, Client c) {
        if (c.argc == 3) {
            String addr = c.argString(2);
            for (Client other : server.clients()) {
                if (other.conn != null && other.conn.remoteAddress().equals(addr)) {
                    killClient(server, c, other);
                    c.addReplyOk();
                    return;
                }
            }
            throw new ReplyException("ERR No such client");
        }
        if ((c.argc & 1) == 1) throw new ReplyException(Errors.SYNTAX);
        long id = 0;
        String type = null, addr = null, laddr = null, user = null;
        int userArg = 0;
        boolean skipMe = true;
        for (int i = 2; i < c.argc; i += 2) {
            String value = c.argString(i + 1);
            if (c.argIs(i, "id")) {
                try {
                    id = Args.parseLong(c.argv[i + 1]);
                } catch (ReplyException e) {
                    id = 0;
                }
                if (id <= 0) throw new ReplyException("ERR client-id should be greater than 0");
            } else if (c.argIs(i, "type")) {
                type = clientType(value);
                if (type == null) throw new ReplyException("ERR Unknown client type '" + value + "'");
            } else if (c.argIs(i, "addr")) {
                addr = value;
            } else if (c.argIs(i, "laddr")) {
                laddr = value;
            } else if (c.argIs(i, "user")) {
                if (c.engine.acl.user(io.magpie.engine.acl.Acl.string(c.argv[i + 1])) == null) {
                    throw new ReplyException("ERR No such user '" + value + "'");
                }
                user = value;
                userArg = i + 1;
            } else if (c.argIs(i, "skipme")) {
                if (value.equalsIgnoreCase("yes")) skipMe = true;
                else if (value.equalsIgnoreCase("no")) skipMe = false;
                else throw new ReplyException(Errors.SYNTAX);
            } else {
                throw new ReplyException(Errors.SYNTAX);
            }
        }
        int killed = 0;
        List<Client> victims = new ArrayList<>();
        for (Client other : server.clients()) {
            if (id != 0 && other.id != id) continue;
            if (type != null && !typeOf(other).equals(type)) continue;
            if (addr != null && (other.conn == null || !other.conn.remoteAddress().equals(addr))) continue;
            if (laddr != null && (other.conn == null || !other.conn.localAddress().equals(laddr))) continue;
            if (user != null && (other.aclUser == null || !other.aclUser.name.equals(io.magpie.engine.acl.Acl.string(c.argv[userArg])))) continue;
            if (other == c && skipMe) continue;
            victims.add(other);
        }
        for (Client v : victims) {
            killClient(server, c, v);
            killed++;
        }
        c.addReplyLongLong(killed);
    }

    /** Killing oneself closes after this reply; anyone else is closed at once. */
    private static void killClient(MagpieServer server, Client self, Client victim) {
        if (victim == self) self.closeAfterReply = true;
        else server.kill(victim);
    }

    static void setName(Client c) {
        String name = c.argString(2);
        String err = ClientNames.validate(name);
        if (err != null) throw new ReplyException(err);
        c.name = name;
        c.addReplyOk();
    }

    /** CLIENT PAUSE timeout [WRITE|ALL]: delay (not refuse) the commands of other clients. */
    static void pause(MagpieServer server, Client c) {
        long timeout = Args.parseLong(c.argv[2], "ERR timeout is not an integer or out of range");
        if (timeout < 0) throw new ReplyException(Errors.TIMEOUT_NEGATIVE);
        boolean all = true;
        if (c.argc == 4) {
            if (c.argIs(3, "write")) all = false;
            else if (!c.argIs(3, "all")) throw new ReplyException("ERR CLIENT PAUSE mode must be WRITE or ALL");
        } else if (c.argc > 4) {
            throw new ReplyException(Errors.SYNTAX);
        }
        server.pause(server.engine().now() + timeout, all);
        c.addReplyOk();
    }

    /** CLIENT REPLY ON|OFF|SKIP: OFF and SKIP are not acknowledged (there would be no one to hear). */
    static void reply(Client c) {
        if (c.argIs(2, "on")) {
            c.replyMode = Client.ReplyMode.ON;
            c.suppressReplies(false);
            c.addReplyOk();
        } else if (c.argIs(2, "off")) {
            c.replyMode = Client.ReplyMode.OFF;
            c.suppressReplies(true);
        } else if (c.argIs(2, "skip")) {
            if (c.replyMode != Client.ReplyMode.OFF) {
                c.replyMode = Client.ReplyMode.SKIP_NEXT;
                c.suppressReplies(true);
            }
        } else {
            throw new ReplyException(Errors.SYNTAX);
        }
    }

    private static boolean onOff(Client c, int i) {
        if (c.argIs(i, "on")) return true;
        if (c.argIs(i, "off")) return false;
        throw new ReplyException(Errors.SYNTAX);
    }

    /** CLIENT UNBLOCK id [TIMEOUT|ERROR]: 1 if a blocked client was released. */
    static void unblock(MagpieServer server, Client c) {
        long id = Args.parseLong(c.argv[2]);
        boolean withError = false;
        if (c.argc == 4) {
            if (c.argIs(3, "error")) withError = true;
            else if (!c.argIs(3, "timeout")) throw new ReplyException("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
        } else if (c.argc > 4) {
            throw new ReplyException(Errors.SYNTAX);
        }
        Client target = server.engine().clients().get(id);
        boolean done = target != null && target.blocked && server.engine().blocking.unblockByRequest(target, withError);
        c.addReplyLongLong(done ? 1 : 0);
    }

    private static final String[] HELP = {
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CACHING (YES|NO)",
        "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
        "GETREDIR",
        "    Return the client ID we are redirecting to when tracking is enabled.",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Kill connections by type.",
        "    * USER <username>",
        "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)",
        "      Skip killing current connection (default: yes).",
        "LIST [options ...]",
        "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Return clients of specified type.",
        "UNPAUSE",
        "    Stop the current client pause, resuming traffic.",
        "PAUSE <timeout> [WRITE|ALL]",
        "    Suspend all, or just write, clients for <timeout> milliseconds.",
        "REPLY (ON|OFF|SKIP)",
        "    Control the replies sent to the current connection.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "UNBLOCK <clientid> [TIMEOUT|ERROR]",
        "    Unblock the specified blocked client.",
        "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
        "         [OPTIN] [OPTOUT] [NOLOOP]",
        "    Control server assisted client side caching.",
        "TRACKINGINFO",
        "    Report tracking status for the current connection.",
        "NO-EVICT (ON|OFF)",
        "    Protect current client connection from eviction.",
        "HELP",
        "    Prints this help.",
    };

    static void help(Client c) {
        c.addReplyHelp(HELP);
    }
}
