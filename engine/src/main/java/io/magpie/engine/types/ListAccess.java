package io.magpie.engine.types;

import java.util.function.Consumer;

/** Read access to a list's elements in order, for SORT. The list type implements it. */
public interface ListAccess {
    long length();

    /** Visits every element from head to tail. */
    void forEachElement(Consumer<byte[]> visitor);
}
