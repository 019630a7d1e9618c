package org.legonet.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.StandardLocation;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Users on the module path: small consumer modules are compiled against target/classes (core's
 * compiled module) and Jackson's jars, then run in a child JVM. A consumer of the API compiles and
 * runs with nothing but {@code --module-path} (no {@code --add-modules}: core's descriptor brings in
 * the Vector API); a consumer of an internal package does not compile; Jackson can read a stored
 * model inside the module (the {@code opens} of the store's records).
 */
class ModulePathTest {
    @TempDir
    static Path tmp;

    private static String modulePath;

    @BeforeAll
    static void findModulePath() throws Exception {
        // surefire may run tests from a manifest-only booter jar; its real class path is recorded here
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> jackson = Stream.of(cp.split(File.pathSeparator))
                .filter(e -> Path.of(e).getFileName().toString().startsWith("jackson-")).toList();
        assertThat(jackson).as("Jackson jars on the test class path")
                .anyMatch(j -> j.contains("jackson-databind-")).anyMatch(j -> j.contains("jackson-core-"))
                .anyMatch(j -> j.contains("jackson-annotations-"));
        List<String> mp = new ArrayList<>();
        mp.add(ModuleDescriptorTest.classesDir().toString());
        mp.addAll(jackson);
        modulePath = String.join(File.pathSeparator, mp);
    }

    private static final String DEMO_INFO = "module demo { requires org.legonet.core; }";
    private static final String DEMO_MAIN = """
            package demo;

            import org.legonet.core.ModelConfig;
            import org.legonet.core.Progress;
            import org.legonet.core.data.Dataset;
            import org.legonet.core.encoder.Encoder;
            import org.legonet.core.encoder.Encoders;

            public class Main {
                public static void main(String[] args) throws Exception {
                    ModelConfig config = ModelConfig.defaults();
                    int rows = 12;
                    int[] labels = new int[rows];
                    float[] features = new float[rows * 4];
                    for (int i = 0; i < features.length; i++) {
                        features[i] = (i * 7 % 11) / 11f;
                    }
                    for (int r = 0; r < rows; r++) {
                        labels[r] = r % 3;
                    }
                    Dataset data = Dataset.withRowIds("demo", labels, features, new int[] {4});
                    try (Encoder encoder = Encoders.fit("pca:2", data, config.seed(), Progress.NONE)) {
                        float[] encoded = Encoders.encodeAll(encoder, data, 1, Progress.NONE);
                        System.out.println("module " + Dataset.class.getModule().getName());
                        System.out.println("adapters " + config.adapters() + ", activate " + config.activate());
                        System.out.println("encoded " + data.size() + " rows to " + encoded.length / data.size());
                    }
                }
            }
            """;

    @Test
    void aConsumerOfTheApiCompilesAndRunsOnTheModulePath() throws Exception {
        Path out = compileOk("demo", DEMO_INFO, "demo/Main.java", DEMO_MAIN);
        ModelConfig defaults = ModelConfig.defaults();
        List<String> lines = run(List.of("--module-path", modulePath + File.pathSeparator + out, "-m", "demo/demo.Main"));
        assertThat(lines).containsExactly("module org.legonet.core",
                "adapters " + defaults.adapters() + ", activate " + defaults.activate(),
                "encoded 12 rows to 2");
    }

    @Test
    void aConsumerOfAnInternalPackageDoesNotCompile() throws Exception {
        String main = """
                package peek;

                import org.legonet.core.store.ModelStore;

                public class Main {
                    public static void main(String[] args) {
                        System.out.println(ModelStore.class);
                    }
                }
                """;
        Compiled c = compile("peek", "module peek { requires org.legonet.core; }", "peek/Main.java", main, List.of());
        assertThat(c.ok()).as("compiled against an internal package").isFalse();
        assertThat(c.errors()).contains("package org.legonet.core.store is not visible")
                .contains("does not export it");
    }

    @Test
    void aConsumerOpensAStoredModelThroughTheFacadeOnTheModulePath() throws Exception {
        // the library's own path to a model directory: the facade opens it, Jackson binds the manifest and
        // the log inside the module (module-info opens the store to Jackson only); the consumer gets no
        // --add-exports, so it reaches nothing but the exported API
        String main = """
                package consumer;

                import java.nio.file.Path;
                import org.legonet.core.LegoNet;
                import org.legonet.core.ModelInfo;

                public class Main {
                    public static void main(String[] args) {
                        try (LegoNet net = LegoNet.open(Path.of(args[0]))) {
                            ModelInfo i = net.info();
                            System.out.println("generation " + i.generation() + ", updates " + i.updates() + ", "
                                    + net.digest() + ", " + (net.verify().provenExact() ? "EXACT" : "NOT EXACT"));
                        }
                    }
                }
                """;
        Compiled c = compile("consumer", "module consumer { requires org.legonet.core; }", "consumer/Main.java", main,
                List.of());
        assertThat(c.ok()).as("consumer compiled: %s", c.errors()).isTrue();
        Path model = copyGoldenModel();
        String expected;
        try (LegoNet net = LegoNet.open(model)) {
            expected = "generation " + net.info().generation() + ", updates " + net.info().updates() + ", " + net.digest()
                    + ", EXACT";
        }
        List<String> args = List.of("--module-path", modulePath + File.pathSeparator + c.out(), "-m",
                "consumer/consumer.Main", model.toString());
        assertThat(run(args)).containsExactly(expected);
    }

    private record Compiled(boolean ok, String errors, Path out) {
    }

    private static Path compileOk(String module, String info, String file, String source) throws IOException {
        Compiled c = compile(module, info, file, source, List.of());
        assertThat(c.ok()).as("%s compiled: %s", module, c.errors()).isTrue();
        return c.out();
    }

    private static Compiled compile(String module, String info, String file, String source, List<String> extra)
            throws IOException {
        Path src = Files.createDirectories(tmp.resolve(module + "-src"));
        Path out = Files.createDirectories(tmp.resolve(module + "-classes"));
        Path infoFile = Files.writeString(src.resolve("module-info.java"), info);
        Path mainFile = src.resolve(file);
        Files.createDirectories(mainFile.getParent());
        Files.writeString(mainFile, source);

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT,
                StandardCharsets.UTF_8)) {
            // in-process javac would otherwise take this JVM's class path, where core's packages are too
            files.setLocation(StandardLocation.CLASS_PATH, List.of());
            List<String> options = new ArrayList<>(List.of("--release", "17", "--module-path", modulePath,
                    "-d", out.toString()));
            options.addAll(extra);
            boolean ok = javac.getTask(null, files, diagnostics, options, null,
                    files.getJavaFileObjects(infoFile, mainFile)).call();
            String errors = diagnostics.getDiagnostics().stream()
                    .filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
                    .map(d -> d.getMessage(Locale.ROOT)).collect(Collectors.joining("\n"));
            return new Compiled(ok, errors, out);
        }
    }

    private static List<String> run(List<String> args) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        byte[] stdout = p.getInputStream().readAllBytes();
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
        assertThat(p.exitValue()).as("exit status of %s; stderr: %s", cmd, stderr).isZero();
        return new String(stdout, StandardCharsets.UTF_8).lines().toList();
    }

    /** A copy of the committed golden model directory (test resources), so the child writes nothing there. */
    private static Path copyGoldenModel() throws Exception {
        Path golden = Path.of(ModulePathTest.class.getResource("/golden").toURI());
        Path src;
        try (Stream<Path> dirs = Files.list(golden)) {
            src = dirs.filter(d -> Files.isRegularFile(d.resolve("manifest.json"))).sorted().reduce((a, b) -> b).orElseThrow();
        }
        Path dst = tmp.resolve("model");
        try (Stream<Path> all = Files.walk(src)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path q = dst.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(q);
                } else {
                    Files.copy(p, q);
                }
            }
        }
        return dst;
    }
}
