package io.magpie.server;

import io.magpie.engine.config.Config;
import io.magpie.engine.config.Params.StringParam;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * unixsocket and unixsocketperm: a listener on a Unix domain socket, through Netty's epoll
 * transport (the JDK's NIO in Netty 4.1 has no domain sockets). As Redis's listenToUnix, a
 * file left at the path is removed first, the mode is applied when unixsocketperm is set, and
 * the file is removed at shutdown.
 */
final class UnixSocket {
    final StringParam path;
    final InertConfig.OctalParam perm;
    private final java.util.function.Function<String, Path> resolve;
    private Channel channel;
    private Path file;

    /** resolve: how a path of the configuration is opened (relative ones inside dir, as after Redis's chdir). */
    UnixSocket(Config registry, java.util.function.Function<String, Path> resolve) {
        this.resolve = resolve;
        path = registry.register(new StringParam("unixsocket", ""));
        path.immutable();
        perm = registry.register(new InertConfig.OctalParam("unixsocketperm"));
        perm.immutable();
    }

    /** The listening channel, or null when there is none. */
    Channel channel() {
        return channel;
    }

    boolean configured() {
        return !path.value().isEmpty();
    }

    /** Opens the listener (when configured) with the client sessions' handler. */
    void open(EventLoopGroup boss, EventLoopGroup workers, ChannelHandler sessions) throws IOException {
        if (!configured()) return;
        if (!Epoll.isAvailable()) {
            Throwable cause = Epoll.unavailabilityCause();
            throw new IOException("unixsocket needs Netty's native epoll transport, which did not load here ("
                    + (cause == null ? "unknown reason" : cause.getMessage()) + ")");
        }
        file = resolve.apply(path.value());
        Files.deleteIfExists(file); // as Redis's unlink() before bind()
        try {
            channel = new ServerBootstrap().group(boss, workers).channel(EpollServerDomainSocketChannel.class)
                    .childHandler(sessions).bind(new DomainSocketAddress(file.toString())).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while binding " + file, e);
        } catch (RuntimeException e) {
            throw new IOException(e.getMessage(), e);
        }
        if (perm.value() != 0) Files.setPosixFilePermissions(file, permissions(perm.value()));
    }

    void close() {
        if (channel == null) return;
        channel.close();
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            Log.warning("Could not remove the unix socket file: %s", e.getMessage());
        }
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE, high bit first
        for (int i = 0; i < 9; i++) {
            if ((mode & (1 << (8 - i))) != 0) s.add(bits[i]);
        }
        return s;
    }
}
