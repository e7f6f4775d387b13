package io.magpie.engine.commands;

import io.magpie.engine.Client;
import io.magpie.engine.Clock;
import io.magpie.engine.Engine;
import io.magpie.engine.config.Config;
import java.nio.charset.StandardCharsets;

/** An engine without network: run a command, get its raw RESP reply as text. */
final class EngineHarness {
    final Engine engine = new Engine(new Config(), Clock.SYSTEM, 1);
    final Client client = Client.detached(engine);

    EngineHarness() {
        engine.start();
    }

    /** Runs the command and returns the bytes it wrote (RESP), as ISO-8859-1 text. */
    String call(Object... args) {
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            argv[i] = args[i] instanceof byte[] b ? b : String.valueOf(args[i]).getBytes(StandardCharsets.UTF_8);
        }
        client.output().clear();
        engine.execute(client, argv);
        byte[] out = new byte[client.output().readableBytes()];
        client.output().readBytes(out);
        return new String(out, StandardCharsets.ISO_8859_1);
    }
}
