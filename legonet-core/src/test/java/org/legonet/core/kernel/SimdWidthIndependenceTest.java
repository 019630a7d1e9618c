package org.legonet.core.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The vector width is chosen once per JVM ({@code -Dlegonet.simd}), so each width runs in its own
 * child JVM ({@link SimdDigestMain}); every width must train the same model, bit for bit, as the
 * scalar kernels. The Vector API runs every species on every CPU (unsupported ones in Java code,
 * slowly), so all widths run everywhere. The children compile early and with C2 only, so that the
 * intrinsified kernels, not just the interpreter, produce the digests.
 */
class SimdWidthIndependenceTest {
    private static final String[] WIDTHS = {"scalar", "64", "128", "256", "512"};

    @Test
    void everyVectorWidthTrainsTheSameModel() throws Exception {
        Map<String, Process> children = new LinkedHashMap<>();
        for (String w : WIDTHS) {
            children.put(w, start(w));
        }
        Map<String, List<String>> outputs = new LinkedHashMap<>();
        for (Map.Entry<String, Process> e : children.entrySet()) {
            outputs.put(e.getKey(), finish(e.getKey(), e.getValue()));
        }

        List<String> scalar = outputs.get("scalar");
        assertThat(scalar).hasSize(5);
        assertThat(scalar.get(0)).isEqualTo("simd scalar");
        for (String w : WIDTHS) {
            List<String> out = outputs.get(w);
            if (!w.equals("scalar")) {
                int bits = Integer.parseInt(w);
                assertThat(out.get(0)).as("width in use")
                        .isEqualTo("simd " + bits + "-bit (" + bits / 32 + " float lanes)");
            }
            assertThat(out.subList(1, out.size())).as("digests with -Dlegonet.simd=%s", w)
                    .isEqualTo(scalar.subList(1, scalar.size()));
        }
    }

    @Test
    void anUnknownWidthIsRefused() throws Exception {
        Process p = start("96");
        p.getOutputStream().close();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isNotZero();
        assertThat(err).contains("legonet.simd=96 is not one of auto, 512, 256, 128, 64, scalar");
    }

    private static Process start(String width) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // surefire may run tests from a manifest-only booter jar; its real class path is recorded here
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                "-XX:+UseSerialGC", "-XX:-TieredCompilation", "-XX:CompileThreshold=200",
                "-Dlegonet.simd=" + width, "-cp", cp, SimdDigestMain.class.getName()));
        return new ProcessBuilder(cmd).start();
    }

    private static List<String> finish(String width, Process p) throws Exception {
        p.getOutputStream().close();
        InputStream out = p.getInputStream();
        byte[] stdout = out.readAllBytes();
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("child with -Dlegonet.simd=%s finished", width).isTrue();
        assertThat(p.exitValue()).as("exit status with -Dlegonet.simd=%s; stderr: %s", width, stderr).isZero();
        return new String(stdout, StandardCharsets.UTF_8).lines().toList();
    }
}
