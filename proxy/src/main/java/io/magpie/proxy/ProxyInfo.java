package io.magpie.proxy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** INFO as the proxy answers it: its own server, clients and stats, and a section per backend. */
final class ProxyInfo {
    private ProxyInfo() {}

    static String render(ProxyServer server, byte[][] argv) {
        String section = argv.length > 1 ? new String(argv[1], StandardCharsets.UTF_8).toLowerCase(Locale.ROOT) : "default";
        boolean all = section.equals("default") || section.equals("all") || section.equals("everything");
        StringBuilder sb = new StringBuilder();
        if (all || section.equals("server")) {
            sb.append("# Server\r\n")
                    .append("redis_version:7.0.15\r\n")
                    .append("magpie_proxy:1\r\n")
                    .append("redis_mode:proxy\r\n")
                    .append("process_id:").append(ProcessHandle.current().pid()).append("\r\n")
                    .append("tcp_port:").append(server.port()).append("\r\n")
                    .append("uptime_in_seconds:").append((System.currentTimeMillis() - server.startMillis) / 1000).append("\r\n")
                    .append("io_threads:").append(server.config.ioThreads).append("\r\n")
                    .append("backend:").append(server.config.backend.name().toLowerCase(Locale.ROOT)).append("\r\n\r\n");
        }
        if (all || section.equals("clients")) {
            sb.append("# Clients\r\n")
                    .append("connected_clients:").append(server.connectedClients.get()).append("\r\n")
                    .append("total_connections_received:").append(server.totalConnections.get()).append("\r\n\r\n");
        }
        if (all || section.equals("stats")) {
            sb.append("# Stats\r\n")
                    .append("total_commands_processed:").append(server.totalCommands.sum()).append("\r\n")
                    .append(server.router.infoSection()).append("\r\n");
        }
        if (all || section.equals("backends")) {
            sb.append("# Backends\r\n");
            List<Backend> list = new ArrayList<>();
            for (Backend b : server.knownBackends()) list.add(b);
            list.sort((a, b) -> a.address.compareTo(b.address));
            int i = 0;
            for (Backend b : list) {
                long n = b.requests.sum();
                sb.append("backend").append(i++).append(":address=").append(b.address)
                        .append(",status=").append(server.router.status(b))
                        .append(",requests=").append(n)
                        .append(",errors=").append(b.errors.sum())
                        .append(",avg_latency_usec=").append(n == 0 ? 0 : b.latencyMicros.sum() / n)
                        .append(",over_1ms=").append(b.over1ms.sum())
                        .append(",over_10ms=").append(b.over10ms.sum())
                        .append(",over_100ms=").append(b.over100ms.sum())
                        .append(",consecutive_failures=").append(b.consecutiveFailures.get());
                if (!b.lastError.isEmpty()) sb.append(",last_error=").append(b.lastError.replace(',', ';').replace("\r", "").replace("\n", " "));
                sb.append("\r\n");
            }
            sb.append("\r\n");
        }
        return sb.length() >= 2 ? sb.substring(0, sb.length() - 2) : "";
    }
}
