package io.magpie.cluster.node;

import io.magpie.commands.HashSlot;
import io.magpie.commands.KeyExtraction;
import io.magpie.commands.KeyReferences;
import io.magpie.commands.RedisCommand;
import io.magpie.engine.Client;
import io.magpie.engine.Engine;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * The fenced moment of an atomic slot migration: while the target drains the last writes and
 * takes the slots, every command on a fenced slot waits here (parked before any stage, as a
 * paused client waits), so no write can land between the last one streamed and the switch.
 * When the fence lifts, the held commands run from their first stage again: MOVED to the new
 * owner after a switch, served here after a cancel. Commands on other slots never wait.
 */
final class SlotFence {
    private final Engine engine;
    private final Executor mainLoop;
    private final BitSet fenced = new BitSet();
    private final List<Client> held = new ArrayList<>();
    private final KeyReferences keys = new KeyReferences();

    SlotFence(Engine engine, Executor mainLoop) {
        this.engine = engine;
        this.mainLoop = mainLoop;
    }

    void fence(int[] slots) {
        for (int s : slots) fenced.set(s);
    }

    boolean isFenced(int slot) {
        return fenced.get(slot);
    }

    /** Lifts the fence on slots; the held commands run again (those still on a fenced slot wait again). */
    void lift(int[] slots) {
        for (int s : slots) fenced.clear(s);
        if (held.isEmpty()) return;
        List<Client> resume = new ArrayList<>(held);
        held.clear();
        // On a turn of its own: the caller may be inside a command or a link's read.
        mainLoop.execute(() -> {
            for (Client c : resume) {
                if (!c.blocked || engine.clients().get(c.id) != c) continue;
                engine.pipeline().unpark(c);
                engine.pipeline().process(c); // the held command, from its first stage
                c.requestFlush();
            }
        });
    }

    /** The pipeline's hold-back hook: parks c when its command (or EXEC's queue) touches a fenced slot. */
    boolean holdBack(Client c) {
        if (fenced.isEmpty() || c.obeyed) return false;
        RedisCommand cmd = command(c.argv, c.argc);
        if (cmd == null) return false;
        boolean touches;
        if (cmd.fullName.equals("exec")) {
            touches = false;
            for (int i = 0; c.multi && i < c.multiQueue.size() && !touches; i++) {
                byte[][] argv = c.multiQueue.get(i);
                touches = touches(c.multiCommands.get(i), argv, argv.length);
            }
        } else {
            touches = touches(cmd, c.argv, c.argc);
        }
        if (!touches) return false;
        engine.pipeline().park(c);
        held.add(c);
        return true;
    }

    int heldCount() {
        return held.size();
    }

    private RedisCommand command(byte[][] argv, int argc) {
        RedisCommand cmd = engine.commands.lookup(argv[0]);
        if (cmd != null && cmd.hasSubcommands() && argc > 1) cmd = cmd.subcommand(argv[1]);
        return cmd != null && cmd.arityOk(argc) ? cmd : null;
    }

    private boolean touches(RedisCommand cmd, byte[][] argv, int argc) {
        if (cmd == null || !KeyExtraction.hasKeys(cmd)) return false;
        KeyExtraction.getKeys(cmd, argv, 0, argc, keys);
        for (int j = 0; j < keys.count(); j++) if (fenced.get(HashSlot.keyHashSlot(argv[keys.position(j)]))) return true;
        return false;
    }
}
