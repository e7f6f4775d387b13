package io.magpie.app.observability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Headless Chromium (Debian's chromium package) for the tests of the node's pages: the status
 * page on metrics-port, sharded Raft's map on raft-http-port. A page is loaded twice, once
 * for its DOM after its script ran and once for a screenshot, both kept beside each other.
 */
public final class Chromium {
    private Chromium() {}

    private static String executable() {
        for (String dir : System.getenv("PATH").split(":")) {
            for (String name : new String[] {"chromium", "chromium-browser"}) {
                if (Files.isExecutable(Path.of(dir, name))) return Path.of(dir, name).toString();
            }
        }
        throw new AssertionError("chromium is not installed: this test needs Debian's chromium package (apt-get install chromium)");
    }

    /** Runs headless Chromium on the page with extra flags; returns its standard output. */
    private static String run(String url, Path output, Path profile, String... flags) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(executable(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile, "--virtual-time-budget=5000"));
        cmd.addAll(List.of(flags));
        cmd.add(url);
        Path out = Files.createTempFile(output, "chromium", ".out");
        Path stderr = output.resolve("chromium-stderr.txt");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).redirectOutput(out.toFile()).redirectError(stderr.toFile()).start();
        try {
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("chromium finished within 2 minutes").isTrue();
        } finally {
            p.destroyForcibly();
        }
        assertThat(p.exitValue()).as("chromium's exit status (stderr in " + stderr + ")").isZero();
        String dom = Files.readString(out, StandardCharsets.UTF_8);
        Files.delete(out);
        return dom;
    }

    /**
     * Loads url in headless Chromium: returns the DOM after its script ran (kept as
     * output/{@code name}.html) and keeps a screenshot of the window size given ("1280,1400")
     * as output/{@code name}.png, which must be a rendered page.
     */
    public static String render(String url, Path output, String name, String windowSize) throws Exception {
        Files.createDirectories(output);
        Path profile = Files.createTempDirectory("chromium-profile");
        String dom = run(url, output, profile, "--dump-dom");
        Files.writeString(output.resolve(name + ".html"), dom);
        Path screenshot = output.resolve(name + ".png").toAbsolutePath();
        Files.deleteIfExists(screenshot);
        run(url, output, profile, "--screenshot=" + screenshot, "--window-size=" + windowSize, "--hide-scrollbars");
        assertThat(screenshot).exists();
        assertThat(Files.size(screenshot)).isGreaterThan(10_000); // a rendered page, not a blank one
        return dom;
    }
}
