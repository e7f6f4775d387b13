package io.magpie.cluster.state;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** inet_pton then inet_ntop: the normalized text of an IP literal, as CLUSTER MEET stores it. */
final class Addresses {
    private Addresses() {}

    /** The normalized address, or null when the text is not an IPv4 or IPv6 literal. */
    static String normalize(String ip) {
        if (ip == null || ip.isEmpty()) return null;
        if (ip.indexOf(':') < 0) return ipv4(ip) == null ? null : ip;
        if (!ip.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.')) return null;
        byte[] bytes;
        try {
            InetAddress address = InetAddress.getByName(ip); // a literal: no name lookup happens
            if (address instanceof Inet6Address) {
                bytes = address.getAddress();
            } else {
                // Java maps "::ffff:a.b.c.d" to IPv4; inet_ntop keeps the IPv6 form.
                bytes = new byte[16];
                bytes[10] = (byte) 0xff;
                bytes[11] = (byte) 0xff;
                System.arraycopy(address.getAddress(), 0, bytes, 12, 4);
            }
        } catch (UnknownHostException | IllegalArgumentException e) {
            return null;
        }
        return ntop6(bytes);
    }

    /** inet_pton AF_INET: four decimal parts 0-255, no leading zeros. */
    private static int[] ipv4(String ip) {
        String[] parts = ip.split("\\.", -1);
        if (parts.length != 4) return null;
        int[] out = new int[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')) return null;
            for (int k = 0; k < p.length(); k++) {
                if (p.charAt(k) < '0' || p.charAt(k) > '9') return null;
            }
            out[i] = Integer.parseInt(p);
            if (out[i] > 255) return null;
        }
        return out;
    }

    /** inet_ntop AF_INET6: lowercase hex words, the longest run of two or more zero words as "::". */
    private static String ntop6(byte[] b) {
        int[] words = new int[8];
        for (int i = 0; i < 8; i++) words[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (words[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && words[j] == 0) j++;
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        if (bestLen < 2) bestStart = -1;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append(i == 0 ? "::" : ":");
                i += bestLen - 1;
                continue;
            }
            // An IPv4-mapped or compatible address ends in dotted form.
            if (i == 6 && bestStart == 0 && (bestLen == 6 || (bestLen == 5 && words[5] == 0xffff))) {
                sb.append(b[12] & 0xff).append('.').append(b[13] & 0xff).append('.').append(b[14] & 0xff)
                    .append('.').append(b[15] & 0xff);
                break;
            }
            sb.append(Integer.toHexString(words[i]));
            if (i < 7) sb.append(':');
        }
        return sb.toString();
    }
}
