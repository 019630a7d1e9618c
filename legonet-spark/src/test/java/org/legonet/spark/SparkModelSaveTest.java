package org.legonet.spark;

import org.legonet.core.testing.SmallModels;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.legonet.core.LegoNet;
import org.legonet.core.Progress;
import org.legonet.core.TargetExistsException;
import org.legonet.core.data.Dataset;
import org.legonet.core.testing.Synthetic;

/**
 * {@link SparkModel#save}, whose private chunks the executors write, against the in-process
 * {@code LegoNet.save} of the same model: the same files with the same bytes, and a manifest that
 * differs only in the fields every save sets anew (times, the deletion-log salt and the settings
 * digest over it, the training figures).
 */
class SparkModelSaveTest {
    /** 300 public and 2,500 private samples: three chunks of the store (1,024, 1,024 and 452 rows). */
    static final Dataset ALL = Synthetic.blobs(2800, 8, 4, 7, 1000);
    static final Dataset PUBLIC = ALL.slice(0, 300, "public");
    static final Dataset PRIVATE = ALL.slice(300, 2800, "private");
    /** The manifest fields that differ between any two saves of one model, in process or not. */
    private static final List<String> PER_SAVE = List.of("/created", "/updated", "/settings_digest",
            "/deletions/salt", "/deletions/key_check", "/training");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JavaSparkContext sc;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        sc = Fixture.localSpark("legonet-spark-save-test");
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.stop();
        }
    }

    /** The private samples in a scrambled order, so that the store's ascending-id order is Spark's work. */
    private static Dataset shuffled(Dataset d) {
        List<Integer> order = new ArrayList<>();
        for (int r = 0; r < d.size(); r++) {
            order.add(r);
        }
        Collections.shuffle(order, new Random(5));
        return d.select(order.stream().mapToInt(Integer::intValue).toArray(), "shuffled");
    }

    /** Features quantised to integers in 0..255, so that the store keeps them as bytes (raw format u8). */
    private static Dataset bytes(Dataset d) {
        float[] x = new float[d.size() * d.dim()];
        for (int r = 0; r < d.size(); r++) {
            for (int c = 0; c < d.dim(); c++) {
                x[r * d.dim() + c] = Math.max(0, Math.min(255, Math.round(d.feature(r, c) * 20 + 128)));
            }
        }
        return new Dataset(d.name() + " as bytes", d.ids(), d.labels(), x, d.sampleShape());
    }

    private Path inProcess(Dataset pub, Dataset priv) {
        Path dir = tmp.resolve("in-process");
        try (LegoNet net = LegoNet.train(Fixture.CONFIG, pub, priv)) {
            net.save(dir);
        }
        return dir;
    }

    private Path onSpark(Dataset pub, Dataset priv, int partitions) {
        Path dir = tmp.resolve("spark").resolve("model");
        try (SparkModel m = new SparkTrainer(Fixture.CONFIG, 2, Progress.NONE)
                .train(sc, pub, SparkTrainer.samples(sc, shuffled(priv), partitions))) {
            m.save(dir, false, null, SmallModels.ID_KEY);
        }
        return dir;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every file under {@code dir}, by relative path, with the SHA-256 of its bytes. */
    private static Map<String, String> files(Path dir) {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p).toString(), sha256(Files.readAllBytes(p)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static ObjectNode manifestWithoutPerSaveFields(Path dir) {
        try {
            ObjectNode m = (ObjectNode) JSON.readTree(dir.resolve("manifest.json").toFile());
            for (String field : PER_SAVE) {
                JsonNode at = m.at(field);
                assertThat(at.isMissingNode()).as(field).isFalse();
                int cut = field.lastIndexOf('/');
                ((ObjectNode) m.at(field.substring(0, cut))).remove(field.substring(cut + 1));
            }
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String rawFormat(Path dir) {
        try {
            return JSON.readTree(dir.resolve("manifest.json").toFile()).at("/private_data/raw_format").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void assertSameDirectory(Path spark, Path local) {
        Map<String, String> a = files(spark);
        Map<String, String> b = files(local);
        assertThat(a.keySet()).contains("manifest.json", "data/raw-00000.g000000.bin", "data/enc-00000.g000000.bin");
        a.remove("manifest.json");
        b.remove("manifest.json");
        assertThat(a).as("every file but the manifest, with its SHA-256").isEqualTo(b);
        assertThat(manifestWithoutPerSaveFields(spark)).isEqualTo(manifestWithoutPerSaveFields(local));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 7})
    void theExecutorsWriteTheInProcessDirectoryFileByFile(int partitions) {
        Path local = inProcess(PUBLIC, PRIVATE);
        Path spark = onSpark(PUBLIC, PRIVATE, partitions);
        assertSameDirectory(spark, local);
        assertThat(files(spark)).containsKeys("data/raw-00002.g000000.bin", "data/enc-00002.g000000.bin");
        try (Stream<Path> beside = Files.list(spark.getParent())) {
            assertThat(beside).as("nothing but the model next to it").containsExactly(spark);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(rawFormat(spark)).isEqualTo("f32");
        try (LegoNet net = LegoNet.open(spark)) {
            assertThat(net.retainedIds()).containsExactly(PRIVATE.ids());
            assertThat(net.verify().provenExact()).isTrue();
        }
    }

    @Test
    void byteValuedFeaturesAreStoredAsBytesAsInProcess() {
        Dataset pub = bytes(PUBLIC);
        Dataset priv = bytes(PRIVATE);
        Path local = inProcess(pub, priv);
        Path spark = onSpark(pub, priv, 3);
        assertSameDirectory(spark, local);
        assertThat(rawFormat(spark)).isEqualTo("u8");
        try (LegoNet net = LegoNet.open(spark)) {
            assertThat(net.verify().provenExact()).isTrue();
        }
    }

    @Test
    void anExistingDirectoryIsReplacedOnlyOnRequest() {
        Path dir = inProcess(PUBLIC, PRIVATE);
        try (SparkModel m = new SparkTrainer(Fixture.CONFIG, 2, Progress.NONE)
                .train(sc, Fixture.PUBLIC, SparkTrainer.samples(sc, Fixture.PRIVATE, 2))) {
            assertThatThrownBy(() -> m.save(dir, false, null, SmallModels.ID_KEY)).isInstanceOf(TargetExistsException.class);
            try (LegoNet net = LegoNet.open(dir)) {
                assertThat(net.retainedIds()).hasSize(PRIVATE.size());
            }
            m.save(dir, true, null, SmallModels.ID_KEY);
        }
        try (LegoNet net = LegoNet.open(dir)) {
            assertThat(net.digest()).isEqualTo(Fixture.IN_PROCESS.digest());
            assertThat(net.retainedIds()).containsExactly(Fixture.PRIVATE.ids());
        }
        try (Stream<Path> beside = Files.list(dir.getParent())) {
            assertThat(beside).containsExactly(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
