package io.magpie.engine.commands;

import io.magpie.engine.Client;
import io.magpie.engine.PubSub;
import io.magpie.engine.PubSub.Kind;
import io.magpie.commands.CommandTable;
import io.magpie.engine.command.CommandHandler;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Pub/sub commands (pubsub.c): (UN)SUBSCRIBE, P(UN)SUBSCRIBE, S(UN)SUBSCRIBE, PUBLISH,
 * SPUBLISH and PUBSUB introspection. Standalone Redis 7.0 serves the shard variants as
 * plain channels with their own namespace and count.
 */
final class PubSubCommands {
    private PubSubCommands() {}

    static void register(CommandTable<CommandHandler> t) {
        t.register("subscribe", c -> subscribe(c, Kind.GLOBAL));
        t.register("ssubscribe", c -> subscribe(c, Kind.SHARD));
        t.register("unsubscribe", c -> unsubscribe(c, Kind.GLOBAL));
        t.register("sunsubscribe", c -> unsubscribe(c, Kind.SHARD));
        t.register("psubscribe", PubSubCommands::psubscribe);
        t.register("punsubscribe", PubSubCommands::punsubscribe);
        t.register("publish", PubSubCommands::publish);
        t.register("spublish", PubSubCommands::spublish);
        t.register("pubsub|channels", c -> channels(c, Kind.GLOBAL));
        t.register("pubsub|shardchannels", c -> channels(c, Kind.SHARD));
        t.register("pubsub|numsub", c -> numsub(c, Kind.GLOBAL));
        t.register("pubsub|shardnumsub", c -> numsub(c, Kind.SHARD));
        t.register("pubsub|numpat", PubSubCommands::numpat);
        t.register("pubsub|help", PubSubCommands::help);
    }

    static void subscribe(Client c, Kind kind) {
        for (int i = 1; i < c.argc; i++) {
            c.engine.pubsub.subscribe(c, c.argv[i], kind);
            confirm(c, kind.subscribeMsg, c.argv[i], PubSub.subscriptionCount(c, kind));
        }
    }

    /** Without arguments: every channel, or one confirmation with a null channel when there is none. */
    static void unsubscribe(Client c, Kind kind) {
        List<byte[]> channels = c.argc > 1 ? List.of(c.argv).subList(1, c.argc) : PubSub.channelsOf(c, kind);
        if (channels.isEmpty()) confirm(c, kind.unsubscribeMsg, null, PubSub.subscriptionCount(c, kind));
        for (byte[] ch : channels) {
            c.engine.pubsub.unsubscribe(c, ch, kind);
            confirm(c, kind.unsubscribeMsg, ch, PubSub.subscriptionCount(c, kind));
        }
    }

    static void psubscribe(Client c) {
        for (int i = 1; i < c.argc; i++) {
            c.engine.pubsub.psubscribe(c, c.argv[i]);
            confirm(c, PSUBSCRIBE, c.argv[i], PubSub.subscriptionCount(c, Kind.GLOBAL));
        }
    }

    static void punsubscribe(Client c) {
        List<byte[]> patterns = c.argc > 1 ? List.of(c.argv).subList(1, c.argc) : PubSub.patternsOf(c);
        if (patterns.isEmpty()) confirm(c, PUNSUBSCRIBE, null, PubSub.subscriptionCount(c, Kind.GLOBAL));
        for (byte[] p : patterns) {
            c.engine.pubsub.punsubscribe(c, p);
            confirm(c, PUNSUBSCRIBE, p, PubSub.subscriptionCount(c, Kind.GLOBAL));
        }
    }

    /** [kind, channel or null, count]: a push in RESP3, an array in RESP2 (addReplyPubsub*). */
    private static void confirm(Client c, byte[] what, byte[] channel, int count) {
        c.beginPush();
        c.addReplyPushLen(3);
        c.addReplyBulk(what);
        if (channel == null) c.addReplyNull();
        else c.addReplyBulk(channel);
        c.addReplyLongLong(count);
        c.endPush();
    }

    private static final byte[] PSUBSCRIBE = "psubscribe".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PUNSUBSCRIBE = "punsubscribe".getBytes(StandardCharsets.US_ASCII);

    static void publish(Client c) {
        c.addReplyLongLong(c.engine.pubsub.publish(c.argv[1], c.argv[2]));
    }

    static void spublish(Client c) {
        c.addReplyLongLong(c.engine.pubsub.spublish(c.argv[1], c.argv[2]));
    }

    /** PUBSUB CHANNELS|SHARDCHANNELS [pattern]. */
    static void channels(Client c, Kind kind) {
        if (c.argc > 3) {
            // pubsub.c checks this itself, with the older combined wording.
            c.addReplyError("ERR unknown subcommand or wrong number of arguments for '" + c.argString(1)
                    + "'. Try PUBSUB HELP.");
            return;
        }
        List<byte[]> names = c.engine.pubsub.channelNames(kind, c.argc == 3 ? c.argv[2] : null);
        c.addReplyArrayLen(names.size());
        for (byte[] n : names) c.addReplyBulk(n);
    }

    /** PUBSUB NUMSUB|SHARDNUMSUB [channel ...]: flat pairs (an array in RESP3 too); exact channels only. */
    static void numsub(Client c, Kind kind) {
        c.addReplyArrayLen(2L * (c.argc - 2));
        for (int i = 2; i < c.argc; i++) {
            c.addReplyBulk(c.argv[i]);
            c.addReplyLongLong(c.engine.pubsub.subscribers(c.argv[i], kind));
        }
    }

    static void numpat(Client c) {
        c.addReplyLongLong(c.engine.pubsub.patternCount());
    }

    private static final String[] HELP = {
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        "HELP",
        "    Prints this help.",
    };

    static void help(Client c) {
        c.addReplyArrayLen(HELP.length);
        for (String line : HELP) c.addReplyStatus(line);
    }
}
