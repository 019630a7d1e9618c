package org.legonet.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.legonet.core.data.Dataset;
import org.legonet.core.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Use it from Java" example, compiled and run as it stands, on a CSV written from
 * the bundled Fashion-MNIST sample: it must print EXACT. Editing the README's example edits this
 * test.
 */
class ReadmeExampleTest {
    @TempDir
    Path tmp;

    /** The first Java block of the README's "Use it from Java" section. */
    static String example() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        int section = readme.indexOf("\n## Use it from Java");
        assertThat(section).as("the README has a 'Use it from Java' section").isPositive();
        int start = readme.indexOf("```java\n", section);
        int next = readme.indexOf("\n## ", section + 1);
        assertThat(start).as("a Java block in the section").isPositive().isLessThan(next);
        int end = readme.indexOf("\n```", start + 8);
        return readme.substring(start + 8, end + 1);
    }

    /** 3,600 sample rows as {@code id,label,p0,...}: 500 public, 2,500 private, 600 added later. */
    private Path csv() throws IOException {
        Dataset d = TestData.fashionMnistSample().train();
        Path csv = tmp.resolve("samples.csv");
        try (Writer w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
            StringBuilder head = new StringBuilder("id,label");
            for (int c = 0; c < d.dim(); c++) {
                head.append(",p").append(c);
            }
            w.write(head.append('\n').toString());
            for (int r = 0; r < 3600; r++) {
                StringBuilder b = new StringBuilder();
                b.append(d.id(r)).append(',').append(d.label(r));
                for (int c = 0; c < d.dim(); c++) {
                    b.append(',').append((int) d.feature(r, c));
                }
                w.write(b.append('\n').toString());
            }
        }
        return csv;
    }

    @Test
    void theReadmeExampleCompilesRunsAndPrintsExact() throws Exception {
        Path src = tmp.resolve("src/Example.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, example(), StandardCharsets.UTF_8);
        Path classes = Files.createDirectories(tmp.resolve("classes"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, diagnostics, diagnostics, "-d", classes.toString(), "-classpath",
                System.getProperty("java.class.path"), "--release", "17", src.toString());
        assertThat(rc).as("the README example compiles:\n" + diagnostics.toString(StandardCharsets.UTF_8)).isZero();

        Path csv = csv();
        Path model = tmp.resolve("model");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader());
             PrintStream capture = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            Method main = loader.loadClass("Example").getMethod("main", String[].class);
            System.setOut(capture);
            main.invoke(null, (Object) new String[] {csv.toString(), model.toString()});
        } finally {
            System.setOut(saved);
        }
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).as("what the example printed").hasSize(4);
        assertThat(lines.get(1)).matches("forget retrains [1-9][0-9]* of 20 adapters");
        assertThat(lines.get(2)).startsWith("added 600 samples, model ");
        assertThat(lines.get(3)).isEqualTo("EXACT");
        try (LegoNet stored = LegoNet.open(model)) {
            assertThat(stored.info().retained()).isEqualTo(2500 - 1 + 600);
            assertThat(lines.get(2)).endsWith(stored.digest().substring(0, 16));
        }
    }
}
