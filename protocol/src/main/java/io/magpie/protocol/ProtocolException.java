package io.magpie.protocol;

/**
 * A client sent bytes that are not a valid request. The message is Redis's exact text
 * (without the "-" prefix), e.g. "ERR Protocol error: invalid bulk length"; the server
 * replies with it and closes the connection once the reply is written.
 */
public final class ProtocolException extends Exception {
    public ProtocolException(String message) {
        super(message, null, false, false);
    }
}
