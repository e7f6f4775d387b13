package io.magpie.engine.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.Function;

/** The parameter kinds of Redis's config.c: bool, numeric, memory, enum, string. */
public final class Params {
    private Params() {}

    public static final class BoolParam extends Param {
        private final boolean defaultValue;
        private boolean value;

        public BoolParam(String name, boolean defaultValue, String... aliases) {
            super(name, aliases);
            this.defaultValue = this.value = defaultValue;
        }

        public boolean value() {
            return value;
        }

        public void value(boolean v) {
            this.value = v;
        }

        @Override public String get() {
            return value ? "yes" : "no";
        }

        @Override public String defaultValue() {
            return defaultValue ? "yes" : "no";
        }

        @Override protected void parseAndSet(String v) throws ConfigException {
            if (v.equalsIgnoreCase("yes")) value = true;
            else if (v.equalsIgnoreCase("no")) value = false;
            else throw new ConfigException("argument must be 'yes' or 'no'");
        }
    }

    /** An integer parameter; memory parameters also accept units (1k, 5mb, 2GB) as Redis's memtoull. */
    public static final class LongParam extends Param {
        private final long defaultValue, min, max;
        private final boolean memory;
        private long value;

        public LongParam(String name, long defaultValue, long min, long max, boolean memory, String... aliases) {
            super(name, aliases);
            this.defaultValue = this.value = defaultValue;
            this.min = min;
            this.max = max;
            this.memory = memory;
        }

        public long value() {
            return value;
        }

        /** Takes memory units (CONFIG REWRITE writes it back as 10mb, 1gb...). */
        public boolean isMemory() {
            return memory;
        }

        public int intValue() {
            return (int) Math.min(Integer.MAX_VALUE, value);
        }

        public void value(long v) {
            this.value = v;
        }

        @Override public String get() {
            return Long.toString(value);
        }

        @Override public String defaultValue() {
            return Long.toString(defaultValue);
        }

        @Override protected void parseAndSet(String v) throws ConfigException {
            long parsed;
            if (memory) {
                parsed = parseMemory(v);
                if (parsed == Long.MIN_VALUE) throw new ConfigException("argument must be a memory value");
            } else {
                try {
                    parsed = Long.parseLong(v);
                } catch (NumberFormatException e) {
                    throw new ConfigException("argument couldn't be parsed into an integer");
                }
            }
            if (parsed < min || parsed > max) {
                throw new ConfigException("argument must be between " + min + " and " + max + " inclusive");
            }
            value = parsed;
        }
    }

    /** Redis's memtoull: a number with an optional unit b, k, kb, m, mb, g, gb (case-insensitive). */
    public static long parseMemory(String s) {
        String lower = s.toLowerCase(Locale.ROOT);
        long mul = 1;
        String digits = lower;
        String[][] units = {{"gb", "1073741824"}, {"mb", "1048576"}, {"kb", "1024"}, {"g", "1000000000"}, {"m", "1000000"}, {"k", "1000"}, {"b", "1"}};
        for (String[] u : units) {
            if (lower.endsWith(u[0])) {
                mul = Long.parseLong(u[1]);
                digits = lower.substring(0, lower.length() - u[0].length());
                break;
            }
        }
        if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit)) return Long.MIN_VALUE;
        try {
            return Math.multiplyExact(Long.parseLong(digits), mul);
        } catch (ArithmeticException | NumberFormatException e) {
            return Long.MIN_VALUE;
        }
    }

    public static final class EnumParam<E extends Enum<E>> extends Param {
        private final E defaultValue;
        private final E[] values;
        private final Function<E, String> names;
        private E value;

        public EnumParam(String name, E defaultValue, E[] values, Function<E, String> names, String... aliases) {
            super(name, aliases);
            this.defaultValue = this.value = defaultValue;
            this.values = values;
            this.names = names;
        }

        public E value() {
            return value;
        }

        @Override public String get() {
            return names.apply(value);
        }

        @Override public String defaultValue() {
            return names.apply(defaultValue);
        }

        @Override protected void parseAndSet(String v) throws ConfigException {
            for (E e : values) {
                if (names.apply(e).equalsIgnoreCase(v)) {
                    value = e;
                    return;
                }
            }
            throw new ConfigException("argument(s) must be one of the following: "
                    + String.join(", ", Arrays.stream(values).map(names).toList()));
        }
    }

    public static final class StringParam extends Param {
        private final String defaultValue;
        private String value;

        public StringParam(String name, String defaultValue, String... aliases) {
            super(name, aliases);
            this.defaultValue = this.value = defaultValue;
        }

        public String value() {
            return value;
        }

        public void value(String v) {
            this.value = v;
        }

        @Override public String get() {
            return value == null ? "" : value;
        }

        @Override public String defaultValue() {
            return defaultValue == null ? "" : defaultValue;
        }

        @Override protected void parseAndSet(String v) {
            value = v;
        }
    }
}
