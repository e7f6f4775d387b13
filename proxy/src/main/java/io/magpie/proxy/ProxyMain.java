package io.magpie.proxy;

/**
 * ./magpie-proxy [proxy.conf] [--port 22121] [--bind 127.0.0.1] [--backend servers|cluster]
 * [--servers host:port:weight,...] [--distribution modula|ketama|ring] [--hash fnv1a_64] ...
 */
public final class ProxyMain {
    private ProxyMain() {}

    public static void main(String[] args) throws Exception {
        ProxyConfig config;
        ProxyServer server;
        try {
            config = ProxyConfig.parse(args);
            server = new ProxyServer(config);
        } catch (IllegalArgumentException e) {
            System.err.println("magpie-proxy: " + e.getMessage());
            System.exit(1);
            return;
        }
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "shutdown"));
        System.out.println("magpie-proxy ready on " + config.bind + ":" + server.port() + " (backend "
                + config.backend.name().toLowerCase(java.util.Locale.ROOT) + ")"
                + (server.tlsPort() != 0 ? ", TLS on port " + server.tlsPort() : ""));
        Thread.currentThread().join();
    }
}
