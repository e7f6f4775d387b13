package io.magpie.app;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ports for the servers, proxies and links a test starts, each handed out once per JVM and taken
 * from below Linux's ephemeral range (32768-60999 by default).
 * <p>
 * A port found free by binding port 0 and closing again is back in the kernel's pool: the
 * next bind to port 0 (a test's own TCP proxy) or the next outgoing connection may take it
 * before the server it was meant for binds it. A Raft member once found its port held by
 * another node's proxy, and its peers' traffic went to that node. Ports below the
 * ephemeral range are never chosen by the kernel, and the counter never hands one out twice.
 * The cluster bus adds 10000 to a port, so the range ends at 30000: a bus port is never one
 * of these.
 */
public final class TestPorts {
    private static final int LOW = 20000;
    private static final int HIGH = 30000;
    /** Where this JVM starts, spread by its pid so that two test JVMs rarely start side by side. */
    private static final AtomicInteger next = new AtomicInteger((int) ((ProcessHandle.current().pid() * 7919L) % (HIGH - LOW)));

    private TestPorts() {}

    /** A port on 127.0.0.1 that nothing listens on now and that no other caller in this JVM was given. */
    public static int freePort() {
        for (int i = 0; i < HIGH - LOW; i++) {
            int port = LOW + Math.floorMod(next.getAndIncrement(), HIGH - LOW);
            if (bindable(port)) return port;
        }
        throw new IllegalStateException("no free port in " + LOW + "-" + HIGH);
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(port)); // the wildcard address: taken if any address has it
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
