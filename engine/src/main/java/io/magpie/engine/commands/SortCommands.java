package io.magpie.engine.commands;

import io.magpie.engine.Args;
import io.magpie.engine.Client;
import io.magpie.engine.Errors;
import io.magpie.engine.Notifications;
import io.magpie.engine.ReplyException;
import io.magpie.commands.CommandTable;
import io.magpie.engine.command.CommandHandler;
import io.magpie.engine.keyspace.Database;
import io.magpie.engine.types.HashValue;
import io.magpie.engine.types.ListValue;
import io.magpie.engine.types.SetValue;
import io.magpie.engine.types.ValueType;
import io.magpie.engine.types.Values;
import io.magpie.engine.types.ZSetValue;
import io.magpie.engine.types.ZSetValue.Node;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/** SORT and SORT_RO (sort.c). */
final class SortCommands {
    private SortCommands() {}

    static void register(CommandTable<CommandHandler> t) {
        t.register("sort", c -> sortGeneric(c, false));
        t.register("sort_ro", c -> sortGeneric(c, true));
    }

    /** One element being sorted (redisSortObject). */
    private static final class SortObject {
        final byte[] obj;
        double score;
        byte[] cmpobj;

        SortObject(byte[] obj) {
            this.obj = obj;
        }
    }

    /** sortCommandGeneric */
    static void sortGeneric(Client c, boolean readonly) {
        boolean desc = false, alpha = false, dontsort = false;
        long limitStart = 0, limitCount = -1;
        byte[] storekey = null, sortby = null;
        List<byte[]> getops = new ArrayList<>();
        for (int j = 2; j < c.argc; j++) {
            int leftargs = c.argc - j - 1;
            if (c.argIs(j, "asc")) {
                desc = false;
            } else if (c.argIs(j, "desc")) {
                desc = true;
            } else if (c.argIs(j, "alpha")) {
                alpha = true;
            } else if (c.argIs(j, "limit") && leftargs >= 2) {
                limitStart = Args.parseLong(c.argv[j + 1]);
                limitCount = Args.parseLong(c.argv[j + 2]);
                j += 2;
            } else if (!readonly && c.argIs(j, "store") && leftargs >= 1) {
                storekey = c.argv[++j];
            } else if (c.argIs(j, "by") && leftargs >= 1) {
                sortby = c.argv[++j];
                // A BY pattern without '*' names one fixed key for all: nothing to sort by.
                if (indexOf(sortby, (byte) '*', 0) < 0) dontsort = true;
            } else if (c.argIs(j, "get") && leftargs >= 1) {
                getops.add(c.argv[++j]);
            } else {
                throw new ReplyException(Errors.SYNTAX);
            }
        }
        Object sortval = c.db.lookupRead(c.argv[1]);
        ValueType type = sortval == null ? ValueType.LIST : Values.type(sortval);
        if (type != ValueType.SET && type != ValueType.LIST && type != ValueType.ZSET) throw new ReplyException(Errors.WRONGTYPE);

        // An unsorted set would come out in hash order: sort it when the result is stored.
        if (dontsort && type == ValueType.SET && storekey != null) {
            dontsort = false;
            alpha = true;
            sortby = null;
        }
        if (sortval instanceof ZSetValue z) z.convertToSkiplist();
        long vectorlen = length(sortval);
        long start = limitStart < 0 ? 0 : limitStart;
        // A count past the length means "to the end"; capping it first keeps start + count from
        // overflowing (LIMIT 2 9223372036854775807 must answer the elements from 2 on).
        long end = limitCount < 0 ? vectorlen - 1 : start + Math.min(limitCount, vectorlen) - 1;
        if (start >= vectorlen) {
            start = vectorlen - 1;
            end = vectorlen - 2;
        }
        if (end >= vectorlen) end = vectorlen - 1;

        List<SortObject> vector = new ArrayList<>();
        if (dontsort && (type == ValueType.ZSET || type == ValueType.LIST) && sortval != null) {
            // Native order (reversed by DESC), loading only the LIMIT range.
            if (end >= start) {
                List<byte[]> all = elements(sortval);
                int n = all.size();
                for (long i = start; i <= end; i++) {
                    vector.add(new SortObject(all.get((int) (desc ? n - 1 - i : i))));
                }
            }
            end -= start;
            start = 0;
        } else if (sortval != null) {
            for (byte[] e : elements(sortval)) vector.add(new SortObject(e));
        }

        boolean conversionError = false;
        if (!dontsort) {
            for (SortObject so : vector) {
                byte[] byval;
                if (sortby != null) {
                    byval = lookupKeyByPattern(c.db, sortby, so.obj);
                    if (byval == null) continue;
                } else {
                    byval = so.obj;
                }
                if (alpha) {
                    if (sortby != null) so.cmpobj = byval;
                } else {
                    Double d = ZSetCommands.strtod(byval, 0);
                    if (d == null || (Double.isInfinite(d) && !isInfLiteral(byval))) conversionError = true;
                    else so.score = d;
                }
            }
            Comparator<SortObject> cmp = comparator(alpha, sortby != null);
            if (desc) cmp = cmp.reversed();
            vector.sort(cmp);
        }

        long outputlen = getops.isEmpty() ? end - start + 1 : (long) getops.size() * (end - start + 1);
        if (conversionError) {
            c.addReplyError("ERR One or more scores can't be converted into double");
        } else if (storekey == null) {
            c.addReplyArrayLen(outputlen);
            for (long j = start; j <= end; j++) {
                SortObject so = vector.get((int) j);
                if (getops.isEmpty()) c.addReplyBulk(so.obj);
                for (byte[] pattern : getops) c.addReplyBulk(lookupKeyByPattern(c.db, pattern, so.obj));
            }
        } else {
            ListValue out = new ListValue();
            for (long j = start; j <= end; j++) {
                SortObject so = vector.get((int) j);
                if (getops.isEmpty()) {
                    out.addLast(so.obj);
                } else {
                    for (byte[] pattern : getops) {
                        byte[] v = lookupKeyByPattern(c.db, pattern, so.obj);
                        out.addLast(v == null ? new byte[0] : v);
                    }
                }
            }
            if (outputlen > 0) {
                c.db.setKey(c, storekey, out, false);
                c.engine.notifyKeyspaceEvent(Notifications.LIST, "sortstore", storekey, c.db.id);
                c.engine.dirty += outputlen;
            } else if (c.db.delete(storekey)) {
                c.db.signalModifiedKey(storekey);
                c.engine.notifyKeyspaceEvent(Notifications.GENERIC, "del", storekey, c.db.id);
                c.engine.dirty++;
            }
            c.addReplyLongLong(outputlen);
        }
    }

    private static boolean isInfLiteral(byte[] b) {
        String s = new String(b, java.nio.charset.StandardCharsets.ISO_8859_1).strip().toLowerCase(java.util.Locale.ROOT);
        if (s.startsWith("+") || s.startsWith("-")) s = s.substring(1);
        return s.equals("inf") || s.equals("infinity");
    }

    /** sortCompare: numeric with a binary tie-break, or ALPHA on the elements or the BY values (missing first). */
    private static Comparator<SortObject> comparator(boolean alpha, boolean bypattern) {
        if (!alpha) {
            return (a, b) -> {
                if (a.score > b.score) return 1;
                if (a.score < b.score) return -1;
                return Arrays.compareUnsigned(a.obj, b.obj);
            };
        }
        if (bypattern) {
            return (a, b) -> {
                if (a.cmpobj == null || b.cmpobj == null) {
                    if (a.cmpobj == b.cmpobj) return 0;
                    return a.cmpobj == null ? -1 : 1;
                }
                return Arrays.compareUnsigned(a.cmpobj, b.cmpobj);
            };
        }
        return (a, b) -> Arrays.compareUnsigned(a.obj, b.obj);
    }

    private static long length(Object v) {
        if (v == null) return 0;
        if (v instanceof SetValue s) return s.size();
        if (v instanceof ZSetValue z) return z.length();
        return ((ListValue) v).size();
    }

    /** The elements of a list (in order), set (in its iteration order) or sorted set (by score). */
    private static List<byte[]> elements(Object v) {
        List<byte[]> out = new ArrayList<>();
        if (v instanceof SetValue s) {
            s.forEach(out::add);
        } else if (v instanceof ZSetValue z) {
            for (Node n = z.first(); n != null; n = n.next()) out.add(n.ele);
        } else {
            ListValue l = (ListValue) v;
            for (int i = 0, n = l.size(); i < n; i++) out.add(l.get(i));
        }
        return out;
    }

    private static int indexOf(byte[] b, byte x, int from) {
        for (int i = from; i < b.length; i++) if (b[i] == x) return i;
        return -1;
    }

    /**
     * lookupKeyByPattern: "#" is the element itself; otherwise the first '*' is replaced by
     * the element and the key read as a string, or, with "->field" after the '*', as a hash
     * field. Null when there is no '*', no such key, or the key has another type.
     */
    static byte[] lookupKeyByPattern(Database db, byte[] pattern, byte[] subst) {
        if (pattern.length == 1 && pattern[0] == '#') return subst;
        int p = indexOf(pattern, (byte) '*', 0);
        if (p < 0) return null;
        int arrow = -1;
        for (int i = p + 1; i + 1 < pattern.length; i++) {
            if (pattern[i] == '-' && pattern[i + 1] == '>') {
                arrow = i;
                break;
            }
        }
        byte[] field = null;
        int keyEnd = pattern.length;
        if (arrow >= 0 && arrow + 2 < pattern.length) {
            field = Arrays.copyOfRange(pattern, arrow + 2, pattern.length);
            keyEnd = arrow;
        }
        byte[] key = new byte[p + subst.length + (keyEnd - p - 1)];
        System.arraycopy(pattern, 0, key, 0, p);
        System.arraycopy(subst, 0, key, p, subst.length);
        System.arraycopy(pattern, p + 1, key, p + subst.length, keyEnd - p - 1);
        Object o = db.lookupRead(key);
        if (o == null) return null;
        if (field != null) {
            return o instanceof HashValue h ? h.get(field) : null;
        }
        if (!Values.isString(o)) return null;
        return StringValues.bytes(o);
    }
}
