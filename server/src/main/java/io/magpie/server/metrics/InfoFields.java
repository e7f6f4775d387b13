package io.magpie.server.metrics;

import java.util.LinkedHashMap;
import java.util.Map;

/** INFO's "field:value" lines, and the "k=v,k=v" values of keyspace and replica lines, as maps. */
public final class InfoFields {
    private InfoFields() {}

    public static Map<String, String> parse(String info) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : info.split("\r\n")) {
            if (line.isEmpty() || line.startsWith("#")) continue;
            int colon = line.indexOf(':');
            if (colon > 0) fields.put(line.substring(0, colon), line.substring(colon + 1));
        }
        return fields;
    }

    /** "keys=1,expires=0,avg_ttl=0" → {keys=1, expires=0, avg_ttl=0}. */
    public static Map<String, String> parseList(String value) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String part : value.split(",")) {
            int eq = part.indexOf('=');
            if (eq > 0) m.put(part.substring(0, eq), part.substring(eq + 1));
        }
        return m;
    }

    /** A field as a number, 0 when absent or not numeric. */
    public static double number(Map<String, String> fields, String name) {
        String v = fields.get(name);
        if (v == null) return 0;
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
