package io.magpie.proxy;

import java.util.ArrayList;
import java.util.List;

/** Starts an in-JVM proxy from "--name value" arguments on a free port. */
final class Proxies {
    private Proxies() {}

    static ProxyServer start(String... args) throws Exception {
        List<String> a = new ArrayList<>(List.of("--port", "0", "--io-threads", "2"));
        a.addAll(List.of(args));
        return new ProxyServer(ProxyConfig.parse(a.toArray(new String[0]))).start();
    }
}
