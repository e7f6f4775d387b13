package io.magpie.engine.scripting;

import org.luaj.vm2.LuaTable;

final class CjsonLib {
    private CjsonLib() {}

    static LuaTable create() {
        return new LuaTable();
    }
}
