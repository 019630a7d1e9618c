package org.legonet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.legonet.core.data.FashionMnist;

/** {@code legonet train} on a 3,000-row slice of the real Fashion-MNIST. */
@Execution(ExecutionMode.CONCURRENT)
class TrainCommandTest {
    @TempDir
    static Path shared;
    static Path slice;
    static Path model;
    static JsonNode trained;

    @BeforeAll
    static void trainOnce() {
        slice = Cli.writeSlice(shared.resolve("fmnist"), Cli.TRAIN_ROWS, Cli.TEST_ROWS);
        model = shared.resolve("model");
        trained = Cli.run(Cli.smallTrain(model, slice).flag("--json").args("train")).ok().json();
    }

    @Test
    void writesAModelDirectory() {
        assertThat(model.resolve("manifest.json")).isRegularFile();
        assertThat(model.resolve("adapters")).isDirectory();
        // nothing but the model (no staging directory) is left beside it
        assertThat(Cli.list(shared)).containsExactly("fmnist", "model", "model.idkey");
    }

    @Test
    void jsonReportsAccuracySizesAndDigest() {
        assertThat(trained.get("test_accuracy").isNumber()).isTrue();
        assertThat(trained.get("test_accuracy").asDouble()).isGreaterThan(0.5).isLessThanOrEqualTo(1.0);
        JsonNode sizes = trained.get("adapter_sizes");
        assertThat(sizes.get("min").asInt()).isPositive();
        assertThat(sizes.get("max").asInt()).isGreaterThanOrEqualTo(sizes.get("min").asInt());
        // every private sample trains k adapters: mean size = k * private / n
        assertThat(sizes.get("mean").asDouble())
                .isEqualTo((double) Cli.ACTIVATE * (Cli.TRAIN_ROWS - Cli.PUBLIC) / Cli.ADAPTERS);
        assertThat(trained.get("model_digest").asText()).matches("[0-9a-f]{64}");
        assertThat(trained.get("public_samples").asInt()).isEqualTo(Cli.PUBLIC);
        assertThat(trained.get("private_samples").asInt()).isEqualTo(Cli.TRAIN_ROWS - Cli.PUBLIC);
        assertThat(trained.get("config").get("adapters").asInt()).isEqualTo(Cli.ADAPTERS);
        assertThat(trained.get("config").get("activate").asInt()).isEqualTo(Cli.ACTIVATE);
        assertThat(trained.get("config").get("encoder").asText()).isEqualTo("pca:16");
        // the digest printed is the digest the stored model has
        JsonNode info = Cli.run("info", "--model", model, "--json").ok().json();
        assertThat(info.get("model_digest").asText()).isEqualTo(trained.get("model_digest").asText());
    }

    @Test
    void sameSettingsTwiceGiveTheSameDigestAndAPlainSummary(@TempDir Path tmp) {
        // a second training with the same settings into another directory, printing the plain summary
        Cli.Run r = Cli.run(Cli.smallTrain(tmp.resolve("again"), slice).args("train")).ok();
        assertThat(r.outLines().get(0)).isEqualTo("Trained.");
        assertThat(r.out()).contains("test accuracy").contains("600 public / 2,400 private / 500 test")
                .contains("pca:16, n=8, k=2, mlp:128, 2 epochs");
        assertThat(r.out()).containsPattern("(?m)^  digest\\s+" + trained.get("model_digest").asText() + "$");
        assertThat(r.err()).as("--quiet").isEmpty();
        assertThat(Cli.manifest(tmp.resolve("again"))).isNotEmpty();
    }

    @Test
    void threadCountNeverChangesTheModel(@TempDir Path tmp) {
        JsonNode one = Cli.run(Cli.smallTrain(tmp.resolve("t1"), slice).set("--threads", 1).flag("--json").args("train"))
                .ok().json();
        assertThat(one.get("model_digest").asText()).isEqualTo(trained.get("model_digest").asText());
    }

    @Test
    void existingModelWithoutForceIsRefusedAndLeftAlone(@TempDir Path tmp) {
        Path copy = Cli.copyTree(model, tmp.resolve("m"));
        byte[] before = Cli.manifest(copy);
        Map<String, String> files = Cli.tree(copy);
        Cli.Run r = Cli.run(Cli.smallTrain(copy, slice).set("--seed", 7).args("train"))
                .badInput(copy.toAbsolutePath().normalize() + " already exists; pass --force to replace it");
        assertThat(r.errLines()).hasSize(1);
        assertThat(Cli.manifest(copy)).isEqualTo(before);
        assertThat(Cli.tree(copy)).isEqualTo(files);
        assertThat(Cli.list(tmp)).containsExactly("m", "m.idkey");
    }

    @Test
    void forceReplacesAnExistingModel(@TempDir Path tmp) {
        Path copy = Cli.copyTree(model, tmp.resolve("m"));
        byte[] before = Cli.manifest(copy);
        // a cheap, different setting: identity encoder, 4 linear adapters
        JsonNode j = Cli.run(Cli.smallTrain(copy, slice).set("--encoder", "identity").set("--adapter", "linear")
                .set("--adapters", 4).flag("--force").flag("--json").args("train")).ok().json();
        assertThat(Cli.manifest(copy)).isNotEqualTo(before);
        assertThat(j.get("model_digest").asText()).isNotEqualTo(trained.get("model_digest").asText());
        JsonNode info = Cli.run("info", "--model", copy, "--json").ok().json();
        assertThat(info.get("model_digest").asText()).isEqualTo(j.get("model_digest").asText());
        assertThat(info.get("config").get("adapters").asInt()).isEqualTo(4);
        assertThat(info.get("config").get("encoder").asText()).isEqualTo("identity");
        // the old directory and the staging directory are gone
        assertThat(Cli.list(tmp)).containsExactly("m", "m.idkey");
    }

    @Test
    void aNonModelDirectoryIsNotReplacedEvenWithForce(@TempDir Path tmp) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("precious"));
        Files.writeString(dir.resolve("notes.txt"), "keep me");
        Cli.run(Cli.smallTrain(dir, slice).flag("--force").args("train")).badInput("not a LegoNet model directory");
        assertThat(Cli.list(dir)).containsExactly("notes.txt");
    }

    static Stream<Arguments> impossibleSettings() {
        return Stream.of(
                Arguments.of("--activate", "9", "--activate must be between 1 and the number of adapters, 8, got 9"),
                Arguments.of("--adapters", "0", "--adapters must be at least 1, got 0"),
                Arguments.of("--classes", "-1", "--classes must be positive"),
                Arguments.of("--classes", "5", "label set 0..4 fixed by the configuration; pass --classes to name a"),
                Arguments.of("--threads", "0", "--threads must be at least 1, got 0"),
                Arguments.of("--encoder", "foo", "--encoder 'foo' is unknown"),
                Arguments.of("--encoder", "pca:0", "--encoder 'pca:0'"),
                Arguments.of("--encoder", "pca:800", "800"),
                Arguments.of("--adapter", "mlp:x", "--adapter 'mlp:x'"),
                Arguments.of("--epochs", "0", "--epochs must be at least 1"),
                Arguments.of("--lr", "-1", "--lr must be positive"),
                Arguments.of("--batch", "0", "--batch must be at least 1"),
                Arguments.of("--weight-decay", "-1", "--weight-decay must be non-negative"),
                Arguments.of("--public", "0", "public"),
                Arguments.of("--public", "3001", "public"),
                Arguments.of("--public", "3000", "public"),
                Arguments.of("--limit", "1", "--limit"),
                Arguments.of("--test-limit", "0", "--test-limit"),
                Arguments.of("--data", "DOES-NOT-EXIST", "no such file"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("impossibleSettings")
    void impossibleSettingIsBadInputAndWritesNothing(String option, String value, String named, @TempDir Path tmp) {
        Object v = value.equals("DOES-NOT-EXIST") ? tmp.resolve("no-such-data") : value;
        Path target = tmp.resolve("m");
        Cli.Run r = Cli.run(Cli.smallTrain(target, slice).set(option, v).args("train")).badInput(named);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.out()).isEmpty();
        assertThat(target).doesNotExist();
        assertThat(Cli.list(tmp)).isEmpty();
    }

    @Test
    void csvWithANanIsBadInput(@TempDir Path tmp) throws IOException {
        Path csv = tmp.resolve("nan.csv");
        Files.writeString(csv, csv(60, 30, -1), StandardCharsets.UTF_8);
        Path target = tmp.resolve("m");
        Cli.run(Cli.smallTrain(target, csv).remove("--limit").remove("--test-limit").set("--public", 10)
                .set("--encoder", "identity").set("--adapters", 4).args("train"))
                .badInput("nan.csv", "line 32", "NaN");
        assertThat(Cli.list(tmp)).containsExactly("nan.csv");
    }

    @Test
    void raggedCsvIsBadInput(@TempDir Path tmp) throws IOException {
        Path csv = tmp.resolve("ragged.csv");
        Files.writeString(csv, csv(60, -1, 40), StandardCharsets.UTF_8);
        Path target = tmp.resolve("m");
        Cli.run(Cli.smallTrain(target, csv).remove("--limit").remove("--test-limit").set("--public", 10)
                .set("--encoder", "identity").set("--adapters", 4).args("train"))
                .badInput("ragged.csv", "line 42");
        assertThat(Cli.list(tmp)).containsExactly("ragged.csv");
    }

    @Test
    void wellFormedCsvTrains(@TempDir Path tmp) throws IOException {
        Path csv = tmp.resolve("ok.csv");
        Files.writeString(csv, csv(60, -1, -1), StandardCharsets.UTF_8);
        JsonNode j = Cli.run(Cli.smallTrain(tmp.resolve("m"), csv).remove("--limit").remove("--test-limit")
                .set("--public", 10).set("--encoder", "identity").set("--adapter", "linear").set("--adapters", 4)
                .flag("--json").args("train")).ok().json();
        assertThat(j.get("private_samples").asInt()).isEqualTo(50);
        assertThat(j.get("test_accuracy").isNull()).as("a CSV without --test has no test split").isTrue();
    }

    @Test
    void truncatedIdxFolderIsBadInput(@TempDir Path tmp) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("truncated"));
        for (String f : FashionMnist.FILES) {
            Files.copy(slice.resolve(f), dir.resolve(f));
        }
        Path images = dir.resolve(FashionMnist.TRAIN_IMAGES);
        try (FileChannel ch = FileChannel.open(images, StandardOpenOption.WRITE)) {
            ch.truncate(Files.size(images) / 2);
        }
        Path target = tmp.resolve("m");
        Cli.run(Cli.smallTrain(target, dir).args("train")).badInput(FashionMnist.TRAIN_IMAGES, "truncated");
        assertThat(Cli.list(tmp)).containsExactly("truncated");
    }

    /** A small labelled CSV: header, label in column 0, 4 features; NaN at row {@code nanRow}, a short row at {@code raggedRow}. */
    private static String csv(int rows, int nanRow, int raggedRow) {
        StringBuilder b = new StringBuilder("label,f0,f1,f2,f3\n");
        for (int r = 0; r < rows; r++) {
            int label = r % 3;
            b.append(label);
            int cells = r == raggedRow ? 3 : 4;
            for (int c = 0; c < cells; c++) {
                b.append(',');
                if (r == nanRow && c == 2) {
                    b.append("NaN");
                } else {
                    b.append(String.format(Locale.ROOT, "%.3f", label + 0.1 * c + 0.01 * (r % 7)));
                }
            }
            b.append('\n');
        }
        return b.toString();
    }
}
