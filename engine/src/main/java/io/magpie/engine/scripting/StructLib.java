package io.magpie.engine.scripting;

import org.luaj.vm2.LuaTable;

final class StructLib {
    private StructLib() {}

    static LuaTable create() {
        return new LuaTable();
    }
}
