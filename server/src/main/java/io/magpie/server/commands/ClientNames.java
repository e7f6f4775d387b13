package io.magpie.server.commands;

/** Client name validation shared by CLIENT SETNAME and HELLO SETNAME (validateClientName). */
public final class ClientNames {
    private ClientNames() {}

    /** The error for an invalid name, or null. */
    public static String validate(String name) {
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (ch < '!' || ch > '~') {
                return "ERR Client names cannot contain spaces, newlines or special characters.";
            }
        }
        return null;
    }
}
