package io.magpie.engine.types;

/**
 * Read access to one field of a hash value, for SORT's "key->field" BY/GET patterns. The
 * hash type implements it; SORT needs nothing else from hashes.
 */
public interface HashFieldLookup {
    /** The field's value, or null if the hash has no such field. */
    byte[] hashField(byte[] field);
}
