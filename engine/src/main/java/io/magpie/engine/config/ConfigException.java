package io.magpie.engine.config;

/** A parameter value was refused; the message is Redis's reason ("argument must be 'yes' or 'no'"). */
public final class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message, null, false, false);
    }
}
