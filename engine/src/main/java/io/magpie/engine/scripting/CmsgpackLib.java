package io.magpie.engine.scripting;

import org.luaj.vm2.LuaTable;

final class CmsgpackLib {
    private CmsgpackLib() {}

    static LuaTable create() {
        return new LuaTable();
    }
}
