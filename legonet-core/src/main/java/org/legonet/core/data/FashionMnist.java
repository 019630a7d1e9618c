package org.legonet.core.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.legonet.core.util.Digests;
import org.legonet.core.Progress;

/**
 * Where the default data set, Fashion-MNIST, lives: a folder holding the four IDX files of the
 * official distribution (each plain or gzip-compressed), found through {@code LEGONET_DATA}, the
 * shared datasets folder beside the working directory or the repository, or the user cache, and
 * downloaded into the cache on request.
 *
 * <p>A small real sample of it ships inside this library (see {@link #sample()}): the first
 * {@value #SAMPLE_TRAIN_ROWS} training and {@value #SAMPLE_TEST_ROWS} test images of the copy the
 * project develops with, so tests and a first try need neither the full set nor a network. Its
 * README (beside the files, under {@value #SAMPLE_RESOURCES}) gives its source, licence (MIT,
 * Zalando SE) and how it was made.
 */
public final class FashionMnist {
    /** The environment variable naming a Fashion-MNIST folder; it overrides every other place. */
    public static final String ENV_VARIABLE = "LEGONET_DATA";
    public static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    public static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    public static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    public static final String TEST_LABELS = "t10k-labels-idx1-ubyte";
    /** The four files of the layout, without the optional {@code .gz}. */
    public static final List<String> FILES = List.of(TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS);
    /** The official download location of the gzip-compressed files. */
    public static final URI DOWNLOAD_BASE = URI.create("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/");

    /** Rows in the training files of the bundled sample. */
    public static final int SAMPLE_TRAIN_ROWS = 4_000;
    /** Rows in the test files of the bundled sample. */
    public static final int SAMPLE_TEST_ROWS = 1_000;
    /** The class-path folder holding the bundled sample's four {@code .gz} files and SHA256SUMS. */
    public static final String SAMPLE_RESOURCES = "/org/legonet/core/data/fashion-mnist-sample/";
    /** What the bundled sample is, in a few words for a data description or a note. */
    public static final String SAMPLE_DESCRIPTION = String.format(Locale.ROOT,
            "the bundled Fashion-MNIST sample (first %,d of 60,000 training and %,d of 10,000 test images)",
            SAMPLE_TRAIN_ROWS, SAMPLE_TEST_ROWS);

    /** The shared datasets folder, relative to the working directory or the repository. */
    static final Path SHARED = Path.of("..", "shared", "datasets", "fashion-mnist");
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(60);

    private FashionMnist() {
    }

    /**
     * The first Fashion-MNIST folder among, in order: {@code $LEGONET_DATA};
     * {@code cwd/../shared/datasets/fashion-mnist}; {@code home/../shared/datasets/fashion-mnist}
     * (when {@code home}, the repository directory, is given); the user cache (see
     * {@link #cacheDir}). A folder counts when all four files exist.
     *
     * @throws DataException if {@code LEGONET_DATA} is set but does not name such a folder: the user
     *                       asked for that folder, so silently using another would mislead
     */
    public static Optional<Path> locate(Map<String, String> env, Path cwd, Path home) {
        String configured = env.get(ENV_VARIABLE);
        if (configured != null && !configured.isBlank()) {
            Path dir = Path.of(configured.strip());
            if (!Files.isDirectory(dir)) {
                throw new DataException(DataFiles.oneLine(ENV_VARIABLE + "=" + configured
                        + " is not a directory; it must name a Fashion-MNIST folder holding " + expectedNames()));
            }
            List<String> missing = missingFiles(dir);
            if (!missing.isEmpty()) {
                throw new DataException(DataFiles.oneLine(ENV_VARIABLE + "=" + configured
                        + " is not a Fashion-MNIST folder: it lacks " + String.join(", ", withGz(missing))));
            }
            return Optional.of(dir);
        }
        return searchPath(env, cwd, home).stream().filter(FashionMnist::isLayout).findFirst();
    }

    /**
     * The folders {@link #locate} tries when {@code LEGONET_DATA} is not set, in order, so a message
     * can name where it looked.
     */
    public static List<Path> searchPath(Map<String, String> env, Path cwd, Path home) {
        List<Path> candidates = new ArrayList<>();
        candidates.add(cwd.toAbsolutePath().resolve(SHARED).normalize());
        if (home != null) {
            Path besideHome = home.toAbsolutePath().resolve(SHARED).normalize();
            if (!candidates.contains(besideHome)) {
                candidates.add(besideHome);
            }
        }
        candidates.add(cacheDir(env));
        return candidates;
    }

    /**
     * The user cache folder for Fashion-MNIST: {@code $XDG_CACHE_HOME/legonet/fashion-mnist} when
     * that variable holds an absolute path, else {@code ~/.cache/legonet/fashion-mnist}.
     */
    public static Path cacheDir(Map<String, String> env) {
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg.strip()).isAbsolute()) {
            return Path.of(xdg.strip(), "legonet", "fashion-mnist");
        }
        String home = env.get("HOME");
        if (home == null || home.isBlank()) {
            home = System.getProperty("user.home");
        }
        return Path.of(home.strip(), ".cache", "legonet", "fashion-mnist");
    }

    /**
     * Where {@link #writeSample} puts the bundled sample for a command that needs it as a folder:
     * {@code fashion-mnist-sample} beside the {@link #cacheDir} (never the cache folder itself,
     * which stands for the full set).
     */
    public static Path sampleDir(Map<String, String> env) {
        return cacheDir(env).resolveSibling("fashion-mnist-sample");
    }

    /**
     * The bundled sample, read and split as {@link DataLoader} reads a Fashion-MNIST folder:
     * {@value #SAMPLE_TRAIN_ROWS} training and {@value #SAMPLE_TEST_ROWS} test images of 28x28 raw
     * pixels (0..255) with labels 0..9, ids the training rows. Each file is checked against the
     * sample's SHA-256 sums first.
     *
     * @throws DataException if the sample is missing from the class path or damaged
     */
    public static LoadedData sample() {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("legonet-fashion-mnist-sample");
            writeSample(dir);
            LoadedData read = DataLoader.load(DataSpec.of(dir));
            return new LoadedData(read.train(), read.test(), SAMPLE_DESCRIPTION, true);
        } catch (IOException e) {
            throw new DataException(DataFiles.oneLine("cannot unpack the bundled Fashion-MNIST sample ("
                    + e.getMessage() + ")"), e);
        } finally {
            deleteSampleFolder(dir);
        }
    }

    /**
     * Writes the bundled sample's four gzip-compressed IDX files into {@code dir} (created if
     * needed), so a command that takes a folder can read it. A file already there with the right
     * bytes is kept; any other is replaced through a temporary file and a rename, so a reader never
     * sees a partial file. Every file is checked against the sample's SHA-256 sums.
     *
     * @return {@code dir}
     * @throws DataException if the sample is damaged or {@code dir} cannot be written
     */
    public static Path writeSample(Path dir) {
        Map<String, String> sums = sampleSums();
        try {
            Files.createDirectories(dir);
            for (String name : FILES) {
                String file = name + ".gz";
                byte[] bytes = sampleResource(file);
                String expected = sums.get(file);
                String actual = Digests.sha256Hex(bytes);
                if (!actual.equals(expected)) {
                    throw new DataException(DataFiles.oneLine("the bundled Fashion-MNIST sample is damaged: "
                            + SAMPLE_RESOURCES + file + " has SHA-256 " + actual + ", SHA256SUMS says " + expected));
                }
                Path target = dir.resolve(file);
                if (Files.isRegularFile(target) && Digests.sha256Hex(Files.readAllBytes(target)).equals(expected)) {
                    continue;
                }
                Path partial = Files.createTempFile(dir, file + ".", ".part");
                try {
                    Files.write(partial, bytes);
                    try {
                        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    } catch (AtomicMoveNotSupportedException e) {
                        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                } finally {
                    Files.deleteIfExists(partial);
                }
            }
            return dir;
        } catch (IOException e) {
            throw DataFiles.ioError(dir, e);
        }
    }

    /** The sample's SHA256SUMS: file name to lower-case hex digest. */
    static Map<String, String> sampleSums() {
        String text = new String(sampleResource("SHA256SUMS"), StandardCharsets.UTF_8);
        Map<String, String> sums = new LinkedHashMap<>();
        for (String line : text.split("\\R")) {
            String[] parts = line.strip().split("\\s+\\*?", 2);
            if (parts.length == 2) {
                sums.put(parts[1], parts[0].toLowerCase(Locale.ROOT));
            }
        }
        return sums;
    }

    private static byte[] sampleResource(String file) {
        try (InputStream in = FashionMnist.class.getResourceAsStream(SAMPLE_RESOURCES + file)) {
            if (in == null) {
                throw new DataException("the bundled Fashion-MNIST sample lacks " + SAMPLE_RESOURCES + file
                        + " (a broken build of legonet-core)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new DataException(DataFiles.oneLine("cannot read the bundled Fashion-MNIST sample " + SAMPLE_RESOURCES
                    + file + " (" + e.getMessage() + ")"), e);
        }
    }

    private static void deleteSampleFolder(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a temporary folder left behind is harmless; the data was read
        }
    }

    /** Whether {@code dir} holds all four files, each plain or gzip-compressed. */
    public static boolean isLayout(Path dir) {
        return Files.isDirectory(dir) && missingFiles(dir).isEmpty();
    }

    /**
     * The file {@code name} (one of {@link #FILES}) in {@code dir}: the plain file if it exists,
     * else the {@code .gz} one.
     */
    public static Optional<Path> find(Path dir, String name) {
        Path plain = dir.resolve(name);
        if (Files.isRegularFile(plain)) {
            return Optional.of(plain);
        }
        Path gz = dir.resolve(name + ".gz");
        return Files.isRegularFile(gz) ? Optional.of(gz) : Optional.empty();
    }

    /**
     * Downloads the four gzip-compressed files from {@link #DOWNLOAD_BASE} into {@code cacheDir}
     * (skipping those already there), each to a temporary file that is checked and then renamed
     * into place, so an interrupted download never leaves a partial file under the final name.
     *
     * @return {@code cacheDir}
     * @throws DataException on any failure, naming the three ways to provide the data instead
     */
    public static Path download(Path cacheDir, Progress progress) {
        Progress report = progress == null ? Progress.NONE : progress;
        try {
            Files.createDirectories(cacheDir);
            HttpClient client = HttpClient.newBuilder()
                    .connectTimeout(CONNECT_TIMEOUT)
                    .followRedirects(HttpClient.Redirect.NORMAL)
                    .build();
            for (String name : FILES) {
                if (find(cacheDir, name).isEmpty()) {
                    fetch(client, DOWNLOAD_BASE.resolve(name + ".gz"), cacheDir.resolve(name + ".gz"), report);
                }
            }
            return cacheDir;
        } catch (IOException | DataException e) {
            throw downloadFailure(cacheDir, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw downloadFailure(cacheDir, "interrupted", e);
        }
    }

    private static void fetch(HttpClient client, URI uri, Path target, Progress report)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(RESPONSE_TIMEOUT).GET().build();
        HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        Path partial = Files.createTempFile(target.getParent(), target.getFileName().toString() + ".", ".part");
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw new IOException("HTTP " + response.statusCode() + " for " + uri);
            }
            long announced = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            report.start("downloading " + target.getFileName(), Math.max(announced, 0));
            long received = 0;
            try (OutputStream out = Files.newOutputStream(partial)) {
                byte[] buffer = new byte[DataFiles.BUFFER];
                int n;
                while ((n = body.read(buffer)) >= 0) {
                    out.write(buffer, 0, n);
                    received += n;
                    report.step(n);
                }
            }
            report.finish();
            if (announced >= 0 && received != announced) {
                throw new IOException(uri + " ended after " + received + " of " + announced + " bytes");
            }
            IdxReader.read(partial);
            try {
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    private static DataException downloadFailure(Path cacheDir, String reason, Exception cause) {
        return new DataException(DataFiles.oneLine("could not download Fashion-MNIST from " + DOWNLOAD_BASE + " ("
                + reason + "): set " + ENV_VARIABLE + " to a Fashion-MNIST folder or place the files in "
                + cacheDir), cause);
    }

    /** The names of the layout's files missing from {@code dir}. */
    static List<String> missingFiles(Path dir) {
        List<String> missing = new ArrayList<>();
        for (String name : FILES) {
            if (find(dir, name).isEmpty()) {
                missing.add(name);
            }
        }
        return missing;
    }

    /** "a[.gz], b[.gz], ..." for messages: the files of the layout, each plain or gzip-compressed. */
    public static String expectedNames() {
        return String.join(", ", withGz(FILES));
    }

    private static List<String> withGz(List<String> names) {
        return names.stream().map(n -> n + "[.gz]").toList();
    }
}
