package io.magpie.sentinel;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** An instance address (sentinelAddr): the hostname as given, its resolved IP, the port. */
final class Addr {
    /** Why an address could not be made, as createSentinelAddr reports it through errno. */
    static final class Invalid extends Exception {
        final boolean badPort;

        Invalid(boolean badPort) {
            super(null, null, false, false);
            this.badPort = badPort;
        }
    }

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    final String hostname;
    final String ip;
    final int port;

    Addr(String hostname, String ip, int port) {
        this.hostname = hostname;
        this.ip = ip;
        this.port = port;
    }

    /**
     * createSentinelAddr: without resolve-hostnames only IP literals are accepted (anetResolve
     * with ANET_IP_ONLY); with it, a name that does not resolve is kept with an empty IP when
     * acceptUnresolved is set.
     */
    static Addr create(String hostname, int port, boolean acceptUnresolved, boolean resolveHostnames) throws Invalid {
        if (port < 0 || port > 65535) throw new Invalid(true);
        String ip = resolve(hostname, resolveHostnames);
        if (ip == null) {
            io.magpie.server.Log.warning("Failed to resolve hostname '%s'", hostname);
            if (resolveHostnames && acceptUnresolved) ip = "";
            else throw new Invalid(false);
        }
        return new Addr(hostname, ip, port);
    }

    /** The IP text of a literal (or, with resolveHostnames, of a name), or null. */
    static String resolve(String host, boolean resolveHostnames) {
        boolean literal = IPV4.matcher(host).matches() || (host.indexOf(':') >= 0 && host.matches("[0-9a-fA-F:.]+"));
        if (!literal && !resolveHostnames) return null;
        try {
            InetAddress a = InetAddress.getByName(host);
            String s = a.getHostAddress();
            if (a instanceof java.net.Inet6Address) s = compressIpv6(s);
            return s;
        } catch (UnknownHostException | IllegalArgumentException e) {
            return null;
        }
    }

    /** inet_ntop's shortest IPv6 form (Java prints every group). */
    private static String compressIpv6(String s) {
        int pct = s.indexOf('%');
        if (pct >= 0) s = s.substring(0, pct);
        String[] g = s.split(":");
        for (int i = 0; i < g.length; i++) g[i] = Integer.toHexString(Integer.parseInt(g[i], 16));
        int bestStart = -1, bestLen = 0;
        for (int i = 0; i < g.length; ) {
            if (!g[i].equals("0")) {
                i++;
                continue;
            }
            int j = i;
            while (j < g.length && g[j].equals("0")) j++;
            if (j - i > bestLen && j - i > 1) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        if (bestStart < 0) return String.join(":", g);
        String left = String.join(":", java.util.Arrays.copyOfRange(g, 0, bestStart));
        String right = String.join(":", java.util.Arrays.copyOfRange(g, bestStart + bestLen, g.length));
        return left + "::" + right;
    }

    /** sentinelAddrIsEqual. */
    boolean sameIpPort(Addr o) {
        return port == o.port && ip.equalsIgnoreCase(o.ip);
    }

    /** sentinelAddrOrHostnameEqual. */
    boolean sameAddrOrHostname(Addr o) {
        return port == o.port && (ip.equals(o.ip) || hostname.equalsIgnoreCase(o.hostname));
    }

    /** sentinelAddrEqualsHostname: the hostname resolved and compared with our IP. */
    boolean equalsHostname(String host, boolean resolveHostnames) {
        if (host == null) return false;
        String other = resolve(host, resolveHostnames);
        return other != null && ip.equalsIgnoreCase(other);
    }

    String announce(boolean announceHostnames) {
        return announceHostnames ? hostname : ip;
    }

    /** announceSentinelAddrAndPort: "ip:port", IPv6 in brackets. */
    String announceWithPort(boolean announceHostnames) {
        String a = announce(announceHostnames);
        return a.indexOf(':') >= 0 ? "[" + a + "]:" + port : a + ":" + port;
    }
}
