package org.legonet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.legonet.core.data.FashionMnist;
import org.legonet.core.testing.TestData;
import org.legonet.core.util.Digests;

/**
 * Runs the real {@code legonet} command in-process and captures what it prints, plus the fixtures
 * the CLI tests share: a small plain-IDX slice of the Fashion-MNIST sample bundled with legonet-core
 * and the settings of a small, fast model.
 */
final class Cli {
    static final ObjectMapper JSON = new ObjectMapper();

    /** Training rows in a slice folder (ids 0..TRAIN_ROWS-1). */
    static final int TRAIN_ROWS = 3000;
    /** Test rows in a slice folder. */
    static final int TEST_ROWS = 500;
    /** The public split of the small model: rows 0..PUBLIC-1; private ids are PUBLIC..TRAIN_ROWS-1. */
    static final int PUBLIC = 600;
    static final int ADAPTERS = 8;
    static final int ACTIVATE = 2;

    private Cli() {
    }

    /** What one command did. */
    record Run(int exit, String out, String err) {
        /** stdout parsed as one JSON object. */
        JsonNode json() {
            try {
                return JSON.readTree(out);
            } catch (IOException e) {
                throw new AssertionError("stdout is not JSON: " + out + "\nstderr: " + err, e);
            }
        }

        List<String> outLines() {
            return out.lines().toList();
        }

        List<String> errLines() {
            return err.lines().toList();
        }

        /** Asserts exit 0 (showing stderr otherwise) and returns this. */
        Run ok() {
            assertThat(exit).as("exit code; stderr:%n%s", err).isZero();
            return this;
        }

        /**
         * Asserts exit 2 with exactly one "error: ..." line holding every fragment (plus, for
         * option errors, the hint to run --help), and returns this.
         */
        Run badInput(String... fragments) {
            assertThat(exit).as("exit code; stdout:%n%s%nstderr:%n%s", out, err).isEqualTo(LegoNetCli.BAD_INPUT);
            List<String> lines = errLines();
            assertThat(lines).as("stderr").isNotEmpty();
            assertThat(lines.get(0)).startsWith("error: ");
            for (String f : fragments) {
                assertThat(lines.get(0)).contains(f);
            }
            assertThat(lines.subList(1, lines.size())).as("stderr after the error line")
                    .allMatch(l -> l.startsWith("Run '") && l.contains("--help"));
            return this;
        }
    }

    /** Runs {@code legonet args...} in-process. Paths and numbers are turned into strings. */
    static Run run(Object... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = LegoNetCli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        String[] a = Arrays.stream(args).map(String::valueOf).toArray(String[]::new);
        int code = cl.execute(a);
        return new Run(code, out.toString(), err.toString());
    }

    static Run run(List<String> args) {
        return run(args.toArray());
    }

    /**
     * Runs {@code legonet args...} in a child JVM on this test's class path, on a machine with no
     * Fashion-MNIST and no network as far as LegoNet can tell: no {@code LEGONET_DATA} or
     * {@code XDG_CACHE_HOME}, {@code HOME} and the working directory under {@code tmp} (so nothing
     * lies beside either), no {@code legonet.home}, and every HTTP request sent to a proxy port on
     * this host that was just closed, so a download fails at once.
     */
    static Run runOffline(Path tmp, Object... args) {
        try {
            Path home = Files.createDirectories(tmp.resolve("home"));
            Path cwd = Files.createDirectories(tmp.resolve("work/here"));
            int closedPort;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                closedPort = s.getLocalPort();
            }
            String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--add-modules", "jdk.incubator.vector", "-XX:+UseSerialGC", "-Xmx1g", "-Dai.djl.offline=true",
                    "-Duser.home=" + home, "-Dhttp.proxyHost=127.0.0.1", "-Dhttp.proxyPort=" + closedPort,
                    "-cp", cp, LegoNetCli.class.getName()));
            Arrays.stream(args).map(String::valueOf).forEach(cmd::add);
            Path out = tmp.resolve("stdout.txt");
            Path err = tmp.resolve("stderr.txt");
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().remove(FashionMnist.ENV_VARIABLE);
            pb.environment().remove("XDG_CACHE_HOME");
            pb.environment().put("HOME", home.toString());
            Process p = pb.start();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("legonet " + Arrays.toString(args) + " did not finish in 300 s");
            }
            String stderr = Files.readString(err).lines()
                    .filter(l -> !l.equals("WARNING: Using incubator modules: jdk.incubator.vector"))
                    .map(l -> l + "\n").collect(Collectors.joining());
            return new Run(p.exitValue(), Files.readString(out), stderr);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * Command-line options as an ordered map, so a test can change one setting of the defaults
     * (picocli refuses a single-valued option given twice).
     */
    static final class Opts {
        private final Map<String, String> values = new LinkedHashMap<>();
        private final List<String> flags = new ArrayList<>();

        Opts set(String option, Object value) {
            values.put(option, String.valueOf(value));
            return this;
        }

        Opts remove(String option) {
            values.remove(option);
            return this;
        }

        Opts flag(String flag) {
            flags.add(flag);
            return this;
        }

        /** {@code command} followed by these options. */
        List<String> args(String command) {
            List<String> a = new ArrayList<>();
            a.add(command);
            values.forEach((k, v) -> {
                a.add(k);
                a.add(v);
            });
            a.addAll(flags);
            return a;
        }
    }

    /** The small model of these tests: trains in about a second on a slice folder. */
    static Opts smallTrain(Path model, Path data) {
        return new Opts().set("--model", model).set("--data", data).set("--limit", TRAIN_ROWS)
                .set("--public", PUBLIC).set("--test-limit", TEST_ROWS).set("--encoder", "pca:16")
                .set("--adapters", ADAPTERS).set("--activate", ACTIVATE).set("--epochs", 2).set("--threads", 2)
                .flag("--quiet");
    }

    /**
     * Writes the first {@code trainRows} training and {@code testRows} test rows of the bundled
     * Fashion-MNIST sample (at most 4,000 and 1,000) into {@code dir} as the four plain (not gzip)
     * IDX files, and returns {@code dir}. Only the needed prefix of each file is decompressed, so
     * this takes milliseconds.
     */
    static Path writeSlice(Path dir, int trainRows, int testRows) {
        Path src = TestData.fashionMnistDir();
        try {
            Files.createDirectories(dir);
            copyPrefix(src, dir, FashionMnist.TRAIN_IMAGES, trainRows);
            copyPrefix(src, dir, FashionMnist.TRAIN_LABELS, trainRows);
            copyPrefix(src, dir, FashionMnist.TEST_IMAGES, testRows);
            copyPrefix(src, dir, FashionMnist.TEST_LABELS, testRows);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    private static void copyPrefix(Path srcDir, Path dstDir, String name, int rows) throws IOException {
        Path src = FashionMnist.find(srcDir, name).orElseThrow(() -> new AssertionError("no " + name + " in " + srcDir));
        try (InputStream raw = Files.newInputStream(src);
             DataInputStream in = new DataInputStream(src.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw);
             OutputStream out = Files.newOutputStream(dstDir.resolve(name))) {
            int magic = in.readInt();
            int rank = magic & 0xFF;
            int[] dims = new int[rank];
            long perRow = 1;
            for (int i = 0; i < rank; i++) {
                dims[i] = in.readInt();
                if (i > 0) {
                    perRow *= dims[i];
                }
            }
            assertThat(dims[0]).as("rows in %s", src).isGreaterThanOrEqualTo(rows);
            dims[0] = rows;
            ByteBuffer header = ByteBuffer.allocate(4 + 4 * rank).putInt(magic);
            for (int d : dims) {
                header.putInt(d);
            }
            out.write(header.array());
            byte[] body = new byte[Math.toIntExact(perRow * rows)];
            in.readFully(body);
            out.write(body);
        }
    }

    /** Copies a directory tree (a model directory) to {@code to}, which must not exist. */
    static Path copyTree(Path from, Path to) {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path q = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(q);
                } else {
                    Files.copy(p, q, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
            // the model's id key file beside it goes along, as a user copies both
            Path key = IdKeyOptions.defaultFile(from);
            if (Files.exists(key) && !Files.exists(IdKeyOptions.defaultFile(to))) {
                Files.copy(key, IdKeyOptions.defaultFile(to), StandardCopyOption.COPY_ATTRIBUTES);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return to;
    }

    static byte[] bytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] manifest(Path model) {
        return bytes(model.resolve("manifest.json"));
    }

    /** Every regular file under {@code dir} (relative path, sorted) with the SHA-256 of its bytes. */
    static Map<String, String> tree(Path dir) {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                if (Files.isRegularFile(p)) {
                    files.put(dir.relativize(p).toString(), Digests.sha256Hex(Files.readAllBytes(p)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    /** The names in a directory, sorted. */
    static List<String> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first {@code rows} test images of a slice folder as floats (0..255), row-major, 784 per row. */
    static float[] testPixels(Path slice, int rows) {
        byte[] all = bytes(slice.resolve(FashionMnist.TEST_IMAGES));
        float[] x = new float[rows * 784];
        for (int i = 0; i < x.length; i++) {
            x[i] = all[16 + i] & 0xFF;
        }
        return x;
    }
}
