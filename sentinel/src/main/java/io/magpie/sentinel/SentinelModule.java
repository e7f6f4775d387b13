package io.magpie.sentinel;

import com.fasterxml.jackson.databind.JsonNode;
import io.magpie.server.ConfigLoader;
import io.magpie.server.Log;
import io.magpie.server.MagpieServer;
import io.magpie.server.ServerConfig;
import io.magpie.server.module.ModuleHost;
import io.magpie.server.module.ServerModule;
import io.magpie.server.replication.Replication;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Sentinel mode ({@code magpie-server sentinel.conf --sentinel}, or {@code magpie-sentinel
 * sentinel.conf}) as a module on the server base, as redis-server --sentinel: the server's
 * sessions, dispatch, command table (cut down to the commands Redis flags SENTINEL, plus
 * SENTINEL itself), INFO and Netty setup, with the Sentinel's state, links and timer running
 * on the server's keyspace thread. The Sentinel owns its config file and rewrites it.
 */
public final class SentinelModule implements ServerModule {
    private final Sentinel sentinel = new Sentinel();
    private final ServerConfig config;
    private SentinelMetrics metrics;
    private final List<Object> configLines = new ArrayList<>();
    private ModuleHost host;

    /** True when the arguments ask for Sentinel mode (redis-server's checkForSentinelMode). */
    public static boolean requested(String[] args) {
        for (String a : args) if (a.equals("--sentinel")) return true;
        return false;
    }

    /** The arguments without --sentinel, for the config loader. */
    public static String[] withoutFlag(String[] args) {
        List<String> rest = new ArrayList<>();
        for (String a : args) if (!a.equals("--sentinel")) rest.add(a);
        return rest.toArray(new String[0]);
    }

    /** initSentinelConfig: a Sentinel's defaults differ from a data node's, and it keeps no dataset. */
    public SentinelModule(MagpieServer server) {
        this.config = server.config();
        try {
            config.port.set("26379");
            config.protectedMode.set("no");
            server.registry().find("save").set("");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        server.observability().metrics().register(metrics = new SentinelMetrics(server));
    }

    /** Takes the "sentinel ..." lines out of the config text; returns the rest, for the server. */
    public String takeConfigLines(String text) throws ConfigLoader.FatalConfigError {
        return SentinelConfigFile.extractSentinelLines(text, configLines);
    }

    /** Applies the sentinel lines once the server's config (port, requirepass) is loaded. */
    public void applyConfigLines() throws ConfigLoader.FatalConfigError {
        sentinel.port = (int) config.port.value();
        SentinelConfigFile.applySentinelLines(sentinel, configLines);
        sentinel.requirepass = config.requirepass.value();
    }

    /** sentinelCheckConfigFile: the Sentinel's state lives in its config file, which must be writable. */
    public boolean checkConfigFile(String file) {
        if (file == null) {
            Log.warning("Sentinel needs config file on disk to save state. Exiting...");
            return false;
        }
        Path path = Path.of(file).toAbsolutePath();
        if (!Files.isWritable(path)) {
            Log.warning("Sentinel config file %s is not writable: %s. Exiting...", file, "Permission denied");
            return false;
        }
        sentinel.configFile = new SentinelConfigFile(path, config);
        return true;
    }

    @Override
    public String name() {
        return "sentinel";
    }

    @Override
    public String mode() {
        return "sentinel";
    }

    @Override
    public boolean servesKeyspace() {
        return false;
    }

    @Override
    public void attach(ModuleHost host) {
        this.host = host;
        JsonNode table;
        try (InputStream in = SentinelModule.class.getResourceAsStream("sentinel-commands.json")) {
            if (in == null) throw new IllegalStateException("missing resource sentinel-commands.json");
            table = host.defineCommands(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> serves = new ArrayList<>();
        for (JsonNode n : table.get("serves")) serves.add(n.asText());
        List<String> subcommands = new ArrayList<>();
        for (JsonNode c : table.get("commands")) {
            JsonNode info = c.get("info");
            if (!info.get(0).asText().equals("sentinel")) continue;
            for (JsonNode sub : info.get(9)) subcommands.add(sub.get(0).asText().substring("sentinel|".length()));
        }
        SentinelCommands commands = new SentinelCommands(sentinel, host);
        commands.attach(subcommands);
        metrics.infoSection(() -> {
            StringBuilder sb = new StringBuilder();
            commands.sentinelSection(sb);
            return sb.toString();
        });
        host.serveOnly(serves);
        Bootstrap links = new Bootstrap().group(host.mainLoop()).channel(host.clientChannelClass())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10000);
        sentinel.linkTls = host::linkTls; // tls-replication: Sentinel's links to instances and sentinels go over TLS, as in Redis
        sentinel.attach(host.mainLoop(), links, (type, text) ->
                host.publish(type.getBytes(StandardCharsets.UTF_8), text.getBytes(StandardCharsets.UTF_8)));
    }

    /** sentinelIsRunning: pick and persist an ID on first start, then announce the monitored masters. */
    @Override
    public void start() {
        if (sentinel.port == 0) sentinel.port = host.announcedPort();
        if (sentinel.myid == null) {
            sentinel.myid = Replication.randomId();
            sentinel.flushConfig();
        }
        Log.warning("Sentinel ID is %s", sentinel.myid);
        sentinel.restartClocks();
        sentinel.generateInitialMonitorEvents();
        sentinel.startTimer();
    }

    @Override
    public void shutdown() {
        sentinel.stop();
    }
}
