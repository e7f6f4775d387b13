package io.magpie.proxy;

import io.magpie.commands.placement.Distribution;
import io.magpie.commands.placement.HashFunction;
import io.magpie.commands.placement.HashTag;
import io.magpie.protocol.ArgSplitter;
import io.magpie.protocol.tls.TlsOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The proxy's settings, from a file in redis.conf syntax ("name value ..." lines, # comments,
 * quoting as redis.conf) and then from "--name value" arguments, which win. A name may be
 * written with '-' or '_' (twemproxy writes server_failure_limit, Redis writes read-from).
 */
public final class ProxyConfig {
    public enum BackendKind { SERVERS, CLUSTER, RAFT }

    /** A backend server "host:port[:weight]": its name on the ketama continuum is "host:port". */
    public record Server(String host, int port, int weight) {
        public String address() {
            return host + ":" + port;
        }
    }

    public int port = 22121;
    public String bind = "127.0.0.1";
    public BackendKind backend = BackendKind.SERVERS;
    public List<Server> servers = new ArrayList<>();
    public List<Server> seeds = new ArrayList<>();
    public Distribution.Kind distribution = Distribution.Kind.KETAMA;
    public HashFunction hash = HashFunction.FNV1A_64;
    public HashTag hashTag;
    public String hashTagText = "";
    public boolean autoEjectHosts;
    public int serverFailureLimit = 2;
    public long serverRetryTimeoutMs = 30_000;
    /** Per request to a backend; 0: wait as long as the backend takes. */
    public long timeoutMs;
    public boolean readFromReplica;
    public String requirepass;
    public String backendUser;
    public String backendPassword;
    /**
     * Event loops: half the cores, 1 to 4. A proxy shares its machine with its clients or
     * backends; on 2 cores a second loop only competes with them (bench/proxy.sh, -P 1: SET
     * 0.85, GET 0.83 of nutcracker's throughput with 2 loops, 0.93-1.15 and 1.22-1.24 with one).
     */
    public int ioThreads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 2));
    public long clusterRefreshMs = 5_000;
    public Path configFile;
    /** The TLS listener (Redis's tls-port), beside the plain port; 0: none. */
    public int tlsPort;
    /** The Prometheus endpoint's port on bind; 0 (the default) is off. */
    public int metricsPort;
    /** backend-tls: connect to the backends over TLS (as Redis's tls-replication, with the client identity). */
    public boolean backendTls;
    public String tlsCertFile = "", tlsKeyFile = "", tlsKeyFilePass = "", tlsClientCertFile = "", tlsClientKeyFile = "",
            tlsClientKeyFilePass = "", tlsCaCertFile = "", tlsCaCertDir = "", tlsProtocols = "", tlsCiphers = "", tlsCiphersuites = "";
    public boolean tlsPreferServerCiphers;
    public TlsOptions.AuthClients tlsAuthClients = TlsOptions.AuthClients.YES;

    public static ProxyConfig parse(String[] args) throws IOException {
        ProxyConfig c = new ProxyConfig();
        int i = 0;
        if (args.length > 0 && !args[0].startsWith("--")) {
            c.configFile = Path.of(args[0]);
            c.loadFile(c.configFile);
            i = 1;
        }
        for (; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) throw new IllegalArgumentException("expected --name value, got '" + a + "'");
            List<String> values = new ArrayList<>();
            while (i + 1 < args.length && !args[i + 1].startsWith("--")) values.add(args[++i]);
            c.set(a.substring(2), values);
        }
        c.validate();
        return c;
    }

    /** Re-reads the file's server list (PROXY RELOAD): the other settings stay as started. */
    public List<Server> reloadServers() throws IOException {
        if (configFile == null) return servers;
        ProxyConfig fresh = new ProxyConfig();
        fresh.loadFile(configFile);
        return fresh.servers;
    }

    private void loadFile(Path file) throws IOException {
        int lineNo = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNo++;
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) continue;
            byte[][] parts = ArgSplitter.split(t.getBytes(StandardCharsets.UTF_8));
            if (parts == null || parts.length == 0) throw new IllegalArgumentException(file + ":" + lineNo + ": unbalanced quotes");
            List<String> values = new ArrayList<>();
            for (int j = 1; j < parts.length; j++) values.add(new String(parts[j], StandardCharsets.UTF_8));
            try {
                set(new String(parts[0], StandardCharsets.UTF_8), values);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ":" + lineNo + ": " + e.getMessage(), e);
            }
        }
    }

    void set(String rawName, List<String> values) {
        String name = rawName.toLowerCase(Locale.ROOT).replace('_', '-');
        String v = values.isEmpty() ? "" : values.get(0);
        switch (name) {
            case "port" -> port = Integer.parseInt(v);
            case "bind" -> bind = v;
            case "backend" -> backend = switch (v.toLowerCase(Locale.ROOT)) {
                case "servers" -> BackendKind.SERVERS;
                case "cluster" -> BackendKind.CLUSTER;
                case "raft" -> BackendKind.RAFT;
                default -> throw new IllegalArgumentException("backend must be servers, cluster or raft, got '" + v + "'");
            };
            case "servers" -> {
                for (String s : splitList(values)) servers.add(parseServer(s, true));
            }
            case "seeds" -> {
                for (String s : splitList(values)) seeds.add(parseServer(s, false));
            }
            case "distribution" -> {
                distribution = Distribution.Kind.byName(v);
                if (distribution == null) throw new IllegalArgumentException("distribution must be modula, ketama or ring, got '" + v + "'");
            }
            case "hash" -> {
                hash = HashFunction.byName(v);
                if (hash == null) throw new IllegalArgumentException("unknown hash '" + v + "'");
            }
            case "hash-tag" -> {
                hashTagText = v;
                hashTag = HashTag.parse(v);
            }
            case "auto-eject-hosts" -> autoEjectHosts = yes(v);
            case "server-failure-limit" -> serverFailureLimit = Integer.parseInt(v);
            case "server-retry-timeout" -> serverRetryTimeoutMs = Long.parseLong(v);
            case "timeout" -> timeoutMs = Long.parseLong(v);
            case "read-from" -> readFromReplica = switch (v.toLowerCase(Locale.ROOT)) {
                case "master" -> false;
                case "replica" -> true;
                default -> throw new IllegalArgumentException("read-from must be master or replica, got '" + v + "'");
            };
            case "requirepass" -> requirepass = v.isEmpty() ? null : v;
            case "backend-user" -> backendUser = v.isEmpty() ? null : v;
            case "backend-password", "backend-auth" -> backendPassword = v.isEmpty() ? null : v;
            case "io-threads" -> ioThreads = Integer.parseInt(v);
            case "cluster-refresh-interval" -> clusterRefreshMs = Long.parseLong(v);
            case "tls-port" -> tlsPort = Integer.parseInt(v);
            case "backend-tls" -> backendTls = yes(v);
            case "tls-cert-file" -> tlsCertFile = v;
            case "tls-key-file" -> tlsKeyFile = v;
            case "tls-key-file-pass" -> tlsKeyFilePass = v;
            case "tls-client-cert-file" -> tlsClientCertFile = v;
            case "tls-client-key-file" -> tlsClientKeyFile = v;
            case "tls-client-key-file-pass" -> tlsClientKeyFilePass = v;
            case "tls-ca-cert-file" -> tlsCaCertFile = v;
            case "tls-ca-cert-dir" -> tlsCaCertDir = v;
            case "tls-protocols" -> tlsProtocols = String.join(" ", values);
            case "tls-ciphers" -> tlsCiphers = v;
            case "tls-ciphersuites" -> tlsCiphersuites = v;
            case "tls-prefer-server-ciphers" -> tlsPreferServerCiphers = yes(v);
            case "tls-auth-clients" -> tlsAuthClients = switch (v.toLowerCase(Locale.ROOT)) {
                case "yes" -> TlsOptions.AuthClients.YES;
                case "no" -> TlsOptions.AuthClients.NO;
                case "optional" -> TlsOptions.AuthClients.OPTIONAL;
                default -> throw new IllegalArgumentException("tls-auth-clients must be yes, no or optional, got '" + v + "'");
            };
            case "metrics-port" -> metricsPort = Integer.parseInt(v);
            default -> throw new IllegalArgumentException("unknown setting '" + rawName + "'");
        }
    }

    private static boolean yes(String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "yes", "true" -> true;
            case "no", "false" -> false;
            default -> throw new IllegalArgumentException("expected yes or no, got '" + v + "'");
        };
    }

    private static List<String> splitList(List<String> values) {
        List<String> out = new ArrayList<>();
        for (String v : values) for (String s : v.split(",")) if (!s.isBlank()) out.add(s.strip());
        return out;
    }

    /** "host:port:weight" as twemproxy's servers list (weight 1 when left out). */
    static Server parseServer(String s, boolean weighted) {
        String[] p = s.split(":");
        if (p.length < 2 || p.length > 3 || (!weighted && p.length == 3)) {
            throw new IllegalArgumentException("expected host:port" + (weighted ? "[:weight]" : "") + ", got '" + s + "'");
        }
        int port = Integer.parseInt(p[1]);
        if (port <= 0 || port > 65535) throw new IllegalArgumentException("invalid port in '" + s + "'");
        int weight = p.length == 3 ? Integer.parseInt(p[2]) : 1;
        if (weight <= 0) throw new IllegalArgumentException("weight must be positive in '" + s + "'");
        return new Server(p[0], port, weight);
    }

    private void validate() {
        if (backend == BackendKind.SERVERS && servers.isEmpty()) throw new IllegalArgumentException("backend servers needs a servers list");
        if (backend != BackendKind.SERVERS && seeds.isEmpty()) {
            throw new IllegalArgumentException("backend " + backend.name().toLowerCase(Locale.ROOT) + " needs seeds");
        }
        if (ioThreads < 1) throw new IllegalArgumentException("io-threads must be at least 1");
        if (tlsPort < 0 || tlsPort > 65535) throw new IllegalArgumentException("invalid tls-port " + tlsPort);
        if (backendTls && backend != BackendKind.SERVERS) {
            throw new IllegalArgumentException("backend-tls is not available with backend " + backend.name().toLowerCase(Locale.ROOT) + " yet");
        }
    }

    /** Whether any side speaks TLS (the contexts are built, and their files checked, only then). */
    boolean tlsInUse() {
        return tlsPort != 0 || backendTls;
    }

    /** The tls-* settings as the options SslContexts builds from (Redis's defaults for the session cache). */
    TlsOptions tlsOptions() {
        return new TlsOptions(tlsCertFile, tlsKeyFile, tlsKeyFilePass, tlsClientCertFile, tlsClientKeyFile, tlsClientKeyFilePass,
                tlsCaCertFile, tlsCaCertDir, "", tlsProtocols, tlsCiphers, tlsCiphersuites, tlsPreferServerCiphers, true, 20 * 1024,
                300, tlsAuthClients);
    }
}
