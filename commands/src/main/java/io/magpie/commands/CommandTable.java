package io.magpie.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.magpie.protocol.RespWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The one command table. Metadata is data: it is read from commands.json (generated from
 * Redis 7.0's COMMAND INFO / COMMAND DOCS by tools/gen-command-table.py) and from
 * commands-extra.json (commands Redis itself lacks, such as RedisBloom's BF.*). Modules
 * attach handlers by name; only commands with a handler exist for clients and for COMMAND
 * INFO/DOCS/LIST, while key extraction and COMMAND GETKEYS read the whole table, as Redis
 * answers them from its table alone (the proxy routes commands it never executes). The
 * table knows nothing of what a handler is: H is the engine's type, kept in an opaque slot
 * of each command.
 */
public final class CommandTable<H> {
    private final Map<String, RedisCommand> all = new TreeMap<>();
    private final Map<String, RedisCommand> byName = new HashMap<>();
    /** Every top-level command of the metadata, and the implemented ones, for lookups from argv bytes. */
    private final CommandDict allDict = new CommandDict();
    private CommandDict implemented = new CommandDict();

    public static <H> CommandTable<H> load() {
        CommandTable<H> t = new CommandTable<>();
        t.loadResource("commands.json", true);
        t.loadResource("commands-extra.json", false);
        return t;
    }

    private void loadResource(String resource, boolean required) {
        try (InputStream in = CommandTable.class.getResourceAsStream("/io/magpie/commands/" + resource)) {
            if (in == null) {
                if (required) throw new IllegalStateException("missing resource " + resource);
                return;
            }
            define(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Adds the metadata of a mode's own commands (Sentinel's SENTINEL), in commands.json's
     * format; returns the JSON document for the mode's other fields.
     */
    public JsonNode define(InputStream json) throws IOException {
        JsonNode root = new ObjectMapper().readTree(json);
        for (JsonNode c : root.get("commands")) {
            JsonNode sentinel = c.get("sentinel");
            JsonNode parentName = c.get("parent");
            RedisCommand parent = parentName == null ? null : all.get(parentName.asText());
            if (parentName != null && parent == null) throw new IllegalArgumentException("no container command " + parentName.asText());
            RedisCommand cmd = parse(c.get("info"), c.get("docs"), parent, sentinel == null ? null : sentinel.asText());
            if (parent != null) {
                // A mode's own subcommand of a Redis container (cluster mode's CLUSTER MIGRATESLOTS).
                parent.subcommands.put(cmd.name, cmd);
                parent.subcommandDict.put(cmd);
                continue;
            }
            all.put(cmd.fullName, cmd);
            allDict.put(cmd);
        }
        return root;
    }

    /**
     * A mode that serves only some commands (sentinel mode: those Redis flags SENTINEL): the
     * others are no longer looked up, listed or counted (redis-sentinel refuses even QUIT).
     */
    public void retainOnly(Collection<String> served) {
        Set<String> keep = new java.util.HashSet<>();
        for (String n : served) keep.add(n.toLowerCase(Locale.ROOT));
        byName.keySet().retainAll(keep);
        implemented = new CommandDict();
        for (RedisCommand c : byName.values()) implemented.put(c);
    }

    /** Replaces the implementation of a command a mode answers in its own way (sentinel mode's INFO, ROLE, PUBLISH). */
    public void override(String fullName, H handler) {
        RedisCommand cmd = lookupFull(fullName);
        if (cmd == null || cmd.handler == null) throw new IllegalArgumentException("no implementation to override: " + fullName);
        cmd.handler = handler;
    }

    private RedisCommand lookupFull(String fullName) {
        String lower = fullName.toLowerCase(Locale.ROOT);
        int bar = lower.indexOf('|');
        if (bar < 0) return all.get(lower);
        RedisCommand parent = all.get(lower.substring(0, bar));
        return parent == null ? null : parent.subcommands.get(lower.substring(bar + 1));
    }

    /**
     * One command's entry. sentinel is null for a data-node command, "also" when a Sentinel
     * serves it too, "only" when only a Sentinel does (Redis 7 keeps both in one table).
     */
    private static RedisCommand parse(JsonNode info, JsonNode docs, RedisCommand parent, String sentinel) {
        String name = info.get(0).asText().toLowerCase(Locale.ROOT);
        Set<String> flags = new LinkedHashSet<>();
        for (JsonNode f : info.get(2).get("set")) flags.add(f.get("s").asText());
        List<KeySpec> specs = new ArrayList<>();
        for (JsonNode ks : info.get(8).get("set")) specs.add(parseKeySpec(map(ks)));
        RedisCommand cmd = new RedisCommand(name, parent, info.get(1).asInt(), flags,
                info.get(3).asInt(), info.get(4).asInt(), info.get(5).asInt(), info, docs, specs.toArray(new KeySpec[0]),
                "also".equals(sentinel), "only".equals(sentinel));
        JsonNode subs = info.get(9);
        if (subs != null && subs.isArray()) {
            Map<String, JsonNode> subDocs = new HashMap<>();
            if (docs != null) {
                JsonNode sd = map(docs).get("subcommands");
                if (sd != null) subDocs.putAll(map(sd));
            }
            for (JsonNode s : subs) {
                RedisCommand sub = parse(s, subDocs.get(s.get(0).asText()), cmd, sentinel);
                cmd.subcommands.put(sub.name, sub);
                cmd.subcommandDict.put(sub);
            }
        }
        return cmd;
    }

    /** A tagged map node {"map":[k,v,...]} as a Java map (keys are strings). */
    static Map<String, JsonNode> map(JsonNode n) {
        Map<String, JsonNode> m = new java.util.LinkedHashMap<>();
        JsonNode items = n.get("map");
        for (int i = 0; i + 1 < items.size(); i += 2) m.put(items.get(i).asText(), items.get(i + 1));
        return m;
    }

    private static KeySpec parseKeySpec(Map<String, JsonNode> ks) {
        int flags = 0;
        for (JsonNode f : ks.get("flags").get("set")) flags |= KeyFlags.of(f.get("s").asText());
        Map<String, JsonNode> bs = map(ks.get("begin_search"));
        Map<String, JsonNode> fk = map(ks.get("find_keys"));
        KeySpec.BeginSearch bsType = switch (bs.get("type").asText()) {
            case "index" -> KeySpec.BeginSearch.INDEX;
            case "keyword" -> KeySpec.BeginSearch.KEYWORD;
            default -> KeySpec.BeginSearch.UNKNOWN;
        };
        KeySpec.FindKeys fkType = switch (fk.get("type").asText()) {
            case "range" -> KeySpec.FindKeys.RANGE;
            case "keynum" -> KeySpec.FindKeys.KEYNUM;
            default -> KeySpec.FindKeys.UNKNOWN;
        };
        int index = 0, startFrom = 0;
        byte[] keyword = null;
        if (bsType == KeySpec.BeginSearch.INDEX) {
            index = map(bs.get("spec")).get("index").asInt();
        } else if (bsType == KeySpec.BeginSearch.KEYWORD) {
            Map<String, JsonNode> s = map(bs.get("spec"));
            keyword = s.get("keyword").asText().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
            startFrom = s.get("startfrom").asInt();
        }
        int lastKey = 0, keyStep = 1, limit = 0, keyNumIdx = 0, firstKey = 0;
        if (fkType == KeySpec.FindKeys.RANGE) {
            Map<String, JsonNode> s = map(fk.get("spec"));
            lastKey = s.get("lastkey").asInt();
            keyStep = s.get("keystep").asInt();
            limit = s.get("limit").asInt();
        } else if (fkType == KeySpec.FindKeys.KEYNUM) {
            Map<String, JsonNode> s = map(fk.get("spec"));
            keyNumIdx = s.get("keynumidx").asInt();
            firstKey = s.get("firstkey").asInt();
            keyStep = s.get("keystep").asInt();
        }
        return new KeySpec(flags, bsType, index, keyword, startFrom, fkType, lastKey, keyStep, limit, keyNumIdx, firstKey);
    }

    /** Attaches the implementation of a command ("get") or subcommand ("config|get"). */
    public void register(String fullName, H handler) {
        RedisCommand cmd = lookupFull(fullName);
        if (cmd == null) throw new IllegalArgumentException("no metadata for command " + fullName);
        if (cmd.handler != null) throw new IllegalStateException("command registered twice: " + fullName);
        cmd.handler = handler;
        RedisCommand top = cmd.parent == null ? cmd : cmd.parent;
        byName.put(top.fullName, top);
        implemented.put(top);
    }

    /** The handler attached to cmd, or null when it has none. */
    @SuppressWarnings("unchecked")
    public H handler(RedisCommand cmd) {
        return (H) cmd.handler;
    }

    /** The implemented top-level command for an argv[0], or null; allocates nothing. */
    public RedisCommand lookup(byte[] name) {
        return implemented.get(name);
    }

    /**
     * The command of a call, implemented or not, as Redis's lookupCommand finds it: a
     * container with an argument resolves to its subcommand (null when it has no such one).
     * COMMAND GETKEYS answers from the whole table, as Redis does.
     */
    public RedisCommand lookupAny(byte[][] argv, int base, int argc) {
        RedisCommand cmd = allDict.get(argv[base]);
        if (cmd == null || argc == 1 || !cmd.hasSubcommands()) return cmd;
        return cmd.subcommandAny(argv[base + 1]);
    }

    public RedisCommand lookup(String name) {
        return byName.get(name.toLowerCase(Locale.ROOT));
    }

    /**
     * rename-command: the implemented command {@code from} is served as {@code to} from now on,
     * or not at all when {@code to} is empty. Its name in COMMAND, INFO and the logs stays its
     * own, as in Redis, where only the lookup dict changes. Returns Redis's config error, or null.
     */
    public String rename(String from, String to) {
        String oldName = from.toLowerCase(Locale.ROOT);
        String newName = to.toLowerCase(Locale.ROOT);
        RedisCommand cmd = byName.get(oldName);
        if (cmd == null) return "No such command in rename-command";
        if (!newName.isEmpty() && byName.containsKey(newName)) return "Target command name already exists";
        byName.remove(oldName);
        if (!newName.isEmpty()) byName.put(newName, cmd);
        implemented = new CommandDict();
        for (Map.Entry<String, RedisCommand> e : byName.entrySet()) {
            implemented.put(e.getKey().getBytes(StandardCharsets.US_ASCII), e.getValue());
        }
        return null;
    }

    /** Every top-level command of the metadata, implemented or not, by name (ACL's command ids). */
    public Collection<RedisCommand> allCommands() {
        return all.values();
    }

    /** A top-level command of the metadata by name, implemented or not (ACL rules name any command). */
    public RedisCommand lookupAny(String name) {
        return all.get(name.toLowerCase(Locale.ROOT));
    }

    /** Implemented top-level commands. */
    public Collection<RedisCommand> commands() {
        return byName.values();
    }

    /** Every implemented command and subcommand, for INFO commandstats. */
    public List<RedisCommand> allImplemented() {
        List<RedisCommand> l = new ArrayList<>();
        for (RedisCommand c : new TreeMap<>(byName).values()) {
            if (c.handler != null) l.add(c);
            for (RedisCommand s : c.subcommands.values()) if (s.handler != null) l.add(s);
        }
        return l;
    }

    public static String lowerAscii(byte[] b) {
        char[] c = new char[b.length];
        for (int i = 0; i < b.length; i++) {
            int x = b[i] & 0xff;
            c[i] = (char) (x >= 'A' && x <= 'Z' ? x + 32 : x);
        }
        return new String(c);
    }

    /* ---------------- COMMAND INFO / DOCS replies ---------------- */

    /** Writes the COMMAND INFO entry of cmd, listing only implemented subcommands. */
    public void writeInfo(RedisCommand cmd, RespWriter w) {
        JsonNode info = cmd.info;
        w.arrayLen(info.size());
        for (int i = 0; i < info.size(); i++) {
            if (i == 9 && cmd.hasSubcommands()) {
                List<RedisCommand> impl = cmd.subcommands.values().stream().filter(s -> s.handler != null).toList();
                w.arrayLen(impl.size());
                for (RedisCommand s : impl) writeInfo(s, w);
            } else {
                writeJson(info.get(i), w);
            }
        }
    }

    /** Writes the COMMAND DOCS value of cmd (a map), listing only implemented subcommands. */
    public void writeDocs(RedisCommand cmd, RespWriter w) {
        if (cmd.docs == null) {
            w.mapLen(0);
            return;
        }
        Map<String, JsonNode> m = map(cmd.docs);
        w.mapLen(m.size());
        for (Map.Entry<String, JsonNode> e : m.entrySet()) {
            w.bulk(e.getKey());
            if (e.getKey().equals("subcommands")) {
                List<RedisCommand> impl = cmd.subcommands.values().stream().filter(s -> s.handler != null).toList();
                w.mapLen(impl.size());
                for (RedisCommand s : impl) {
                    w.bulk(s.fullName);
                    writeDocs(s, w);
                }
            } else {
                writeJson(e.getValue(), w);
            }
        }
    }

    /** Re-encodes a tagged JSON node (see tools/gen-command-table.py) in the client's protocol. */
    static void writeJson(JsonNode n, RespWriter w) {
        if (n == null || n.isNull()) {
            w.nullBulk();
        } else if (n.isIntegralNumber()) {
            w.integer(n.asLong());
        } else if (n.isTextual()) {
            w.bulk(n.asText().getBytes(StandardCharsets.UTF_8));
        } else if (n.isBoolean()) {
            w.bool(n.asBoolean());
        } else if (n.isArray()) {
            w.arrayLen(n.size());
            for (JsonNode x : n) writeJson(x, w);
        } else if (n.has("s")) {
            w.status(n.get("s").asText());
        } else if (n.has("set")) {
            ArrayNode items = (ArrayNode) n.get("set");
            w.setLen(items.size());
            for (JsonNode x : items) writeJson(x, w);
        } else if (n.has("map")) {
            ArrayNode items = (ArrayNode) n.get("map");
            w.mapLen(items.size() / 2);
            for (JsonNode x : items) writeJson(x, w);
        } else {
            throw new IllegalStateException("bad command metadata node " + ((ObjectNode) n).fieldNames().next());
        }
    }

    /**
     * True when the command is in the ACL category named as ACL names it ("string", any case;
     * "@string" names no category), for COMMAND LIST FILTERBY ACLCAT.
     */
    public static boolean hasAclCategory(RedisCommand cmd, String category) {
        String wanted = "@" + category;
        for (JsonNode n : cmd.info.get(6).get("set")) {
            if (n.get("s").asText().equalsIgnoreCase(wanted)) return true;
        }
        return false;
    }
}
