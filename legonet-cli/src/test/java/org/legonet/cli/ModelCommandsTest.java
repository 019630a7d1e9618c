package org.legonet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.legonet.core.adapter.Adapter;
import org.legonet.core.data.FashionMnist;
import org.legonet.core.util.Digests;

/**
 * {@code info}, {@code eval}, {@code forget}, {@code verify} and {@code predict} on one small model
 * trained once on a 3,000-row slice of the real Fashion-MNIST. Tests that change a model work on
 * a copy.
 */
@Execution(ExecutionMode.CONCURRENT)
class ModelCommandsTest {
    /** A private id (ids are training-file rows; private rows are >= the public size). */
    static final long PRIVATE_ID = 1234;
    static final long[] ID_FILE_IDS = {1500, 1501, 2999};

    @TempDir
    static Path shared;
    static Path slice;
    /** The model as trained: never modified. */
    static Path base;
    static String baseDigest;
    /** A copy of {@link #base} after forgetting {@link #PRIVATE_ID} and {@link #ID_FILE_IDS}: never modified after setup. */
    static Path forgot;

    @BeforeAll
    static void trainOnce() throws IOException {
        slice = Cli.writeSlice(shared.resolve("fmnist"), Cli.TRAIN_ROWS, Cli.TEST_ROWS);
        base = shared.resolve("base");
        baseDigest = Cli.run(Cli.smallTrain(base, slice).flag("--json").args("train")).ok().json()
                .get("model_digest").asText();
        forgot = Cli.copyTree(base, shared.resolve("forgot"));
        Cli.run("forget", "--model", forgot, "--id", PRIVATE_ID, "--quiet").ok();
        Path ids = shared.resolve("ids.txt");
        Files.writeString(ids, String.join("\n", List.of(String.valueOf(ID_FILE_IDS[0]),
                String.valueOf(ID_FILE_IDS[1]), String.valueOf(ID_FILE_IDS[2]))) + "\n");
        Cli.run("forget", "--model", forgot, "--ids", ids, "--quiet").ok();
    }

    static Path copyOfBase(Path tmp) {
        return Cli.copyTree(base, tmp.resolve("model"));
    }

    @Nested
    class Info {
        @Test
        void json() {
            JsonNode j = Cli.run("info", "--model", base, "--json").ok().json();
            assertThat(j.get("model_digest").asText()).isEqualTo(baseDigest);
            assertThat(j.get("retained_samples").asInt()).isEqualTo(Cli.TRAIN_ROWS - Cli.PUBLIC);
            assertThat(j.get("classes").asInt()).isEqualTo(10);
            assertThat(j.get("deletion_requests").asInt()).isZero();
            assertThat(j.get("samples_forgotten").asInt()).isZero();
            assertThat(j.get("generation").asInt()).isZero();
            assertThat(j.get("config").get("adapters").asInt()).isEqualTo(Cli.ADAPTERS);
            assertThat(j.get("dataset").get("spec").get("public").asInt()).isEqualTo(Cli.PUBLIC);
            assertThat(j.get("adapter_sizes").get("mean").asDouble()).isEqualTo(600.0);
            assertThat(j.get("encoder_fingerprint").asText()).matches("[0-9a-f]{64}");
        }

        @Test
        void jsonAfterForgets() {
            JsonNode j = Cli.run("info", "--model", forgot, "--json").ok().json();
            assertThat(j.get("deletion_requests").asInt()).isEqualTo(2);
            assertThat(j.get("samples_forgotten").asInt()).isEqualTo(1 + ID_FILE_IDS.length);
            assertThat(j.get("retained_samples").asInt()).isEqualTo(Cli.TRAIN_ROWS - Cli.PUBLIC - 1 - ID_FILE_IDS.length);
            assertThat(j.get("model_digest").asText()).isNotEqualTo(baseDigest);
        }

        @Test
        void plain() {
            Cli.Run r = Cli.run("info", "--model", base).ok();
            assertThat(r.out()).contains("pca:16, n=8, k=2, mlp:128").contains("600 public, 2,400 private at training")
                    .contains("0 requests, 0 samples").contains(baseDigest);
            assertThat(r.err()).isEmpty();
        }

        @Test
        void notAModel(@TempDir Path tmp) {
            Cli.run("info", "--model", tmp).badInput("not a LegoNet model directory");
            Cli.run("info", "--model", tmp.resolve("absent")).badInput("does not exist");
            assertThat(Cli.list(tmp)).isEmpty();
        }
    }

    @Nested
    class Eval {
        @Test
        void beforeAnyForget() {
            JsonNode j = Cli.run("eval", "--model", base, "--json", "--quiet").ok().json();
            assertThat(j.get("test_accuracy").asDouble()).isGreaterThan(0.5);
            assertThat(j.get("retained_accuracy").asDouble()).isGreaterThan(0.5);
            assertThat(j.get("forgotten_accuracy").isNull()).isTrue();
            assertThat(j.get("forgotten").isNull()).isTrue();
            assertThat(j.get("test").get("samples").asInt()).isEqualTo(Cli.TEST_ROWS);
            assertThat(j.get("retained").get("samples").asInt()).isEqualTo(Cli.TRAIN_ROWS - Cli.PUBLIC);
            assertPerClass(j.get("test"));
            assertPerClass(j.get("retained"));
            assertThat(j.get("model_digest").asText()).isEqualTo(baseDigest);
            assertThat(j.get("notes")).isEmpty();
        }

        @Test
        void afterForgets() {
            JsonNode j = Cli.run("eval", "--model", forgot, "--json", "--quiet").ok().json();
            assertThat(j.get("forgotten_accuracy").isNumber()).isTrue();
            assertThat(j.get("forgotten_accuracy").asDouble()).isBetween(0.0, 1.0);
            assertThat(j.get("forgotten").get("samples").asInt()).isEqualTo(1 + ID_FILE_IDS.length);
            assertThat(j.get("retained").get("samples").asInt()).isEqualTo(Cli.TRAIN_ROWS - Cli.PUBLIC - 1 - ID_FILE_IDS.length);
            assertPerClass(j.get("test"));
            assertPerClass(j.get("retained"));
            assertThat(j.get("notes")).isEmpty();
        }

        @Test
        void plain() {
            Cli.Run r = Cli.run("eval", "--model", base, "--quiet").ok();
            assertThat(r.outLines().get(0)).startsWith("set").contains("accuracy");
            assertThat(r.out()).containsPattern("(?m)^test\\s+500\\s+0\\.\\d{4}")
                    .containsPattern("(?m)^retained\\s+2,400\\s+0\\.\\d{4}")
                    .containsPattern("(?m)^forgotten\\s+-\\s+-");
        }

        private void assertPerClass(JsonNode acc) {
            assertThat(acc.get("per_class").isArray()).isTrue();
            assertThat(acc.get("per_class")).hasSize(10);
            for (JsonNode c : acc.get("per_class")) {
                assertThat(c.asDouble()).isBetween(0.0, 1.0);
            }
        }
    }

    @Nested
    class Forget {
        @Test
        void oneIdThenTheSameIdAgain(@TempDir Path tmp) {
            Path m = copyOfBase(tmp);
            JsonNode first = Cli.run("forget", "--model", m, "--id", PRIVATE_ID, "--json").ok().json();
            assertThat(first.get("forgotten").asInt()).isEqualTo(1);
            assertThat(first.get("already_forgotten").asInt()).isZero();
            assertThat(first.get("adapters_retrained")).hasSize(Cli.ACTIVATE);
            assertThat(first.get("samples_retrained").asInt()).isPositive();
            assertThat(first.get("digest_before").asText()).isEqualTo(baseDigest);
            assertThat(first.get("digest_after").asText()).isNotEqualTo(baseDigest);
            String after = first.get("digest_after").asText();

            JsonNode again = Cli.run("forget", "--model", m, "--id", PRIVATE_ID, "--json").ok().json();
            assertThat(again.get("forgotten").asInt()).isZero();
            assertThat(again.get("already_forgotten").asInt()).isEqualTo(1);
            assertThat(again.get("adapters_retrained")).isEmpty();
            assertThat(again.get("digest_before").asText()).isEqualTo(after);
            assertThat(again.get("digest_after").asText()).isEqualTo(after);
            assertThat(Cli.run("info", "--model", m, "--json").ok().json().get("model_digest").asText()).isEqualTo(after);
        }

        @Test
        void forgettingIsDeterministic(@TempDir Path tmp) {
            Path m = copyOfBase(tmp);
            String after = Cli.run("forget", "--model", m, "--id", PRIVATE_ID, "--json").ok().json()
                    .get("digest_after").asText();
            Path other = Cli.copyTree(base, tmp.resolve("other"));
            assertThat(Cli.run("forget", "--model", other, "--id", PRIVATE_ID, "--json").ok().json()
                    .get("digest_after").asText()).isEqualTo(after);
        }

        @Test
        void plainOutput(@TempDir Path tmp) {
            Path m = copyOfBase(tmp);
            Cli.Run r = Cli.run("forget", "--model", m, "--id", PRIVATE_ID, "--quiet").ok();
            assertThat(r.outLines().get(0)).isEqualTo("Forgotten.");
            assertThat(r.out()).contains("1 sample").contains(baseDigest);
            Cli.Run again = Cli.run("forget", "--model", m, "--id", PRIVATE_ID, "--quiet").ok();
            assertThat(again.outLines().get(0)).isEqualTo("Nothing to forget.");
        }

        @ParameterizedTest
        @ValueSource(longs = {5, Cli.PUBLIC - 1, Cli.TRAIN_ROWS, 99_999_999, -1})
        void unknownIdIsBadInputAndChangesNothing(long id, @TempDir Path tmp) {
            Path m = copyOfBase(tmp);
            byte[] before = Cli.manifest(m);
            Map<String, String> files = Cli.tree(m);
            Cli.run("forget", "--model", m, "--id", id, "--quiet").badInput("unknown sample id", String.valueOf(id));
            assertThat(Cli.manifest(m)).isEqualTo(before);
            assertThat(Cli.bytes(m.resolve("deletions.jsonl"))).isEmpty();
            // nothing else changed either (a lock file may appear: it holds no data)
            Map<String, String> after = new java.util.TreeMap<>(Cli.tree(m));
            after.remove(".lock");
            assertThat(after).isEqualTo(files);
        }

        @Test
        void anUnknownIdAmongKnownOnesChangesNothing(@TempDir Path tmp) {
            Path m = copyOfBase(tmp);
            byte[] before = Cli.manifest(m);
            Cli.run("forget", "--model", m, "--id", PRIVATE_ID, "--id", 99_999_999, "--quiet").badInput("unknown sample id 99999999");
            assertThat(Cli.manifest(m)).isEqualTo(before);
        }

        @Test
        void idsFileWithCommentsAndBlankLines(@TempDir Path tmp) throws IOException {
            Path m = copyOfBase(tmp);
            Path ids = tmp.resolve("ids.txt");
            Files.writeString(ids, "# requests of 2024-05-01\n\n1500\n   1501  \n# one more\n\n2999\n", StandardCharsets.UTF_8);
            JsonNode j = Cli.run("forget", "--model", m, "--ids", ids, "--json").ok().json();
            assertThat(j.get("forgotten").asInt()).isEqualTo(3);
            assertThat(j.get("adapters_retrained")).isNotEmpty();
            assertThat(j.get("digest_after").asText()).isNotEqualTo(baseDigest);
        }

        @Test
        void idsFileWithANonIntegerLineNamesTheLine(@TempDir Path tmp) throws IOException {
            Path m = copyOfBase(tmp);
            byte[] before = Cli.manifest(m);
            Path ids = tmp.resolve("ids.txt");
            Files.writeString(ids, "# header\n1500\n\n15o1\n", StandardCharsets.UTF_8);
            Cli.run("forget", "--model", m, "--ids", ids).badInput("line 4", "15o1");
            assertThat(Cli.manifest(m)).isEqualTo(before);
        }

        @Test
        void idsFileMissingOrEmpty(@TempDir Path tmp) throws IOException {
            Path m = copyOfBase(tmp);
            Cli.run("forget", "--model", m, "--ids", tmp.resolve("absent.txt")).badInput("does not exist");
            Path empty = tmp.resolve("empty.txt");
            Files.writeString(empty, "# nothing\n\n");
            Cli.run("forget", "--model", m, "--ids", empty).badInput("no ids");
        }

        @Test
        void aWholeClass(@TempDir Path tmp) {
            Path m = copyOfBase(tmp);
            JsonNode j = Cli.run("forget", "--model", m, "--class", 3, "--json", "--quiet").ok().json();
            assertThat(j.get("forgotten").asInt()).isPositive();
            assertThat(j.get("adapters_retrained")).isNotEmpty();
            JsonNode info = Cli.run("info", "--model", m, "--json").ok().json();
            assertThat(info.get("samples_forgotten").asInt()).isEqualTo(j.get("forgotten").asInt());
            assertThat(info.get("retained_samples").asInt())
                    .isEqualTo(Cli.TRAIN_ROWS - Cli.PUBLIC - j.get("forgotten").asInt());
            // after forgetting class 3 the retained set holds no sample of it
            JsonNode eval = Cli.run("eval", "--model", m, "--json", "--quiet").ok().json();
            assertThat(eval.get("forgotten").get("samples").asInt()).isEqualTo(j.get("forgotten").asInt());
            assertThat(eval.get("forgotten").get("per_class").get(3).isNumber()).isTrue();
        }

        @Test
        void aClassOutsideTheLabelSetIsBadInput(@TempDir Path tmp) {
            Path m = copyOfBase(tmp);
            byte[] before = Cli.manifest(m);
            Cli.run("forget", "--model", m, "--class", 42, "--quiet").badInput("42");
            assertThat(Cli.manifest(m)).isEqualTo(before);
        }

        @Test
        void idAndClassTogetherIsBadInput(@TempDir Path tmp) {
            Path m = copyOfBase(tmp);
            byte[] before = Cli.manifest(m);
            Cli.run("forget", "--model", m, "--id", PRIVATE_ID, "--class", 3).badInput("mutually exclusive");
            assertThat(Cli.manifest(m)).isEqualTo(before);
        }

        @Test
        void nothingToForgetIsBadInput(@TempDir Path tmp) {
            Cli.run("forget", "--model", tmp).badInput("--id");
        }

        @Test
        void notAModel(@TempDir Path tmp) {
            Cli.run("forget", "--model", tmp, "--id", PRIVATE_ID).badInput("not a LegoNet model directory");
            assertThat(Cli.list(tmp)).as("nothing written into a non-model directory").isEmpty();
        }
    }

    @Nested
    class Verify {
        @Test
        void exactAfterForgets() {
            Cli.Run r = Cli.run("verify", "--model", forgot, "--quiet").ok();
            assertThat(r.outLines().get(0)).isEqualTo("EXACT");
            assertThat(r.out()).contains("rebuilt 8 adapters");
        }

        @Test
        void affectedOnly() {
            Cli.Run r = Cli.run("verify", "--model", forgot, "--affected-only", "--quiet").ok();
            assertThat(r.outLines().get(0)).startsWith("EXACT (affected only): rebuilt ");
        }

        @Test
        void json() {
            JsonNode j = Cli.run("verify", "--model", forgot, "--json").ok().json();
            assertThat(j.get("result").asText()).isEqualTo("EXACT");
            assertThat(j.get("exact").asBoolean()).isTrue();
            assertThat(j.get("adapters_checked").asInt()).isEqualTo(Cli.ADAPTERS);
            assertThat(j.get("differing_adapters")).isEmpty();
            assertThat(j.get("samples").asInt()).isEqualTo(Cli.TRAIN_ROWS - Cli.PUBLIC - 1 - ID_FILE_IDS.length);
            assertThat(j.get("rebuilt_digest").asText()).isEqualTo(j.get("stored_digest").asText());
        }

        @Test
        void exactAsTrained() {
            JsonNode j = Cli.run("verify", "--model", base, "--json").ok().json();
            assertThat(j.get("result").asText()).isEqualTo("EXACT");
            assertThat(j.get("stored_digest").asText()).isEqualTo(baseDigest);
        }

        @Test
        void verifyWritesNothing() {
            byte[] before = Cli.manifest(forgot);
            Cli.run("verify", "--model", forgot, "--affected-only", "--quiet").ok();
            assertThat(Cli.manifest(forgot)).isEqualTo(before);
        }

        @Test
        void anAdapterFileOverwrittenByAnotherIsCorrupted(@TempDir Path tmp) throws IOException {
            Path m = copyOfBase(tmp);
            List<String> adapters = Cli.list(m.resolve("adapters"));
            assertThat(adapters).hasSize(Cli.ADAPTERS);
            // same size, valid format, wrong bytes: only the checksum can tell
            Files.write(m.resolve("adapters").resolve(adapters.get(1)), Cli.bytes(m.resolve("adapters").resolve(adapters.get(0))));
            Cli.Run r = Cli.run("verify", "--model", m, "--quiet").badInput("corrupted", adapters.get(1));
            assertThat(r.out()).doesNotContain("EXACT");
            Cli.run("info", "--model", m).badInput("corrupted");
        }

        /**
         * A model whose files are all consistent (checksums and digests updated) but whose adapter 1
         * differs by one bit from what its samples train: only rebuilding can tell, and verify
         * must say NOT EXACT and exit 1.
         */
        @Test
        void aWeightOneBitOffIsNotExact(@TempDir Path tmp) throws IOException {
            Path m = copyOfBase(tmp);
            ObjectNode manifest = (ObjectNode) Cli.JSON.readTree(m.resolve("manifest.json").toFile());
            ObjectNode entry = (ObjectNode) manifest.get("adapters").get(1);
            Path file = m.resolve(entry.get("file").asText());
            byte[] bytes = Cli.bytes(file);
            byte[] payload = Arrays.copyOfRange(bytes, 12, bytes.length); // after the "LEGONET\0" + kind envelope
            Adapter original = Adapter.fromBytes(payload, "adapter 1");
            assertThat(original.digest()).isEqualTo(entry.get("digest").asText());
            int firstParam = payload.length - 4 * Math.toIntExact(original.parameterCount());
            bytes[12 + firstParam] ^= 1; // the lowest mantissa bit of the first weight (little-endian)
            Adapter tampered = Adapter.fromBytes(Arrays.copyOfRange(bytes, 12, bytes.length), "adapter 1");
            assertThat(tampered.digest()).isNotEqualTo(original.digest());
            Files.write(file, bytes);
            entry.put("sha256", Digests.sha256Hex(bytes));
            entry.put("digest", tampered.digest());
            MessageDigest md = Digests.sha256();
            Digests.update(md, manifest.get("encoder").get("fingerprint").asText());
            Digests.update(md, manifest.get("keys").get("digest").asText());
            for (JsonNode a : manifest.get("adapters")) {
                Digests.update(md, a.get("digest").asText());
            }
            String tamperedDigest = Digests.hex(md.digest());
            manifest.put("model_digest", tamperedDigest);
            Cli.JSON.writerWithDefaultPrettyPrinter().writeValue(m.resolve("manifest.json").toFile(), manifest);
            // the store accepts it as a consistent model
            assertThat(Cli.run("info", "--model", m, "--json").ok().json().get("model_digest").asText())
                    .isEqualTo(tamperedDigest);

            Cli.Run plain = Cli.run("verify", "--model", m, "--quiet");
            assertThat(plain.exit()).as("exit code; stderr:%n%s", plain.err()).isEqualTo(LegoNetCli.NOT_EXACT);
            assertThat(plain.outLines().get(0)).isEqualTo("NOT EXACT");
            Cli.Run json = Cli.run("verify", "--model", m, "--json");
            assertThat(json.exit()).isEqualTo(LegoNetCli.NOT_EXACT);
            JsonNode j = json.json();
            assertThat(j.get("result").asText()).isEqualTo("NOT EXACT");
            assertThat(j.get("exact").asBoolean()).isFalse();
            assertThat(j.get("differing_adapters")).extracting(JsonNode::asInt).containsExactly(1);
            assertThat(j.get("stored_digest").asText()).isEqualTo(tamperedDigest);
            assertThat(j.get("rebuilt_digest").asText()).isEqualTo(baseDigest);
        }

        @Test
        void notAModel(@TempDir Path tmp) {
            Cli.run("verify", "--model", tmp).badInput("not a LegoNet model directory");
            Cli.run("verify", "--model", slice).badInput("not a LegoNet model directory");
            Cli.run("verify", "--model", tmp.resolve("absent")).badInput("does not exist");
            assertThat(Cli.list(tmp)).isEmpty();
            assertThat(Cli.list(slice)).containsExactlyInAnyOrderElementsOf(FashionMnist.FILES);
        }
    }

    @Nested
    class Predict {
        static final int N = 7;

        @Test
        void idxImagesToCsv() {
            Cli.Run r = Cli.run("predict", "--model", base, "--input", slice.resolve(FashionMnist.TEST_IMAGES)).ok();
            List<String> lines = r.outLines();
            assertThat(lines.get(0)).isEqualTo("row,label,p0,p1,p2,p3,p4,p5,p6,p7,p8,p9");
            assertThat(lines).hasSize(1 + Cli.TEST_ROWS);
            for (int i = 1; i < lines.size(); i++) {
                String[] cells = lines.get(i).split(",");
                assertThat(cells).hasSize(12);
                assertThat(Integer.parseInt(cells[0])).isEqualTo(i - 1);
                assertThat(Integer.parseInt(cells[1])).isBetween(0, 9);
            }
        }

        @Test
        void json() {
            JsonNode j = Cli.run("predict", "--model", base, "--input", slice.resolve(FashionMnist.TEST_IMAGES), "--json")
                    .ok().json();
            assertThat(j.get("model_digest").asText()).isEqualTo(baseDigest);
            JsonNode preds = j.get("predictions");
            assertThat(preds).hasSize(Cli.TEST_ROWS);
            int correct = 0;
            byte[] labels = Cli.bytes(slice.resolve(FashionMnist.TEST_LABELS));
            for (int r = 0; r < preds.size(); r++) {
                JsonNode p = preds.get(r);
                assertThat(p.get("row").asInt()).isEqualTo(r);
                JsonNode probs = p.get("probabilities");
                assertThat(probs).hasSize(10);
                double sum = 0;
                int argmax = 0;
                for (int c = 0; c < 10; c++) {
                    double v = probs.get(c).asDouble();
                    assertThat(v).isBetween(0.0, 1.0);
                    sum += v;
                    if (v > probs.get(argmax).asDouble()) {
                        argmax = c;
                    }
                }
                assertThat(sum).isCloseTo(1.0, within(1e-4));
                assertThat(p.get("label").asInt()).isEqualTo(argmax);
                JsonNode adapters = p.get("adapters");
                assertThat(adapters).hasSize(Cli.ACTIVATE);
                assertThat(adapters.get(0).asInt()).isNotEqualTo(adapters.get(1).asInt());
                for (JsonNode a : adapters) {
                    assertThat(a.asInt()).isBetween(0, Cli.ADAPTERS - 1);
                }
                if (p.get("label").asInt() == labels[8 + r]) {
                    correct++;
                }
            }
            // the same accuracy as train/eval report on this test split
            double evalAccuracy = Cli.run("eval", "--model", base, "--json", "--quiet").ok().json()
                    .get("test_accuracy").asDouble();
            assertThat((double) correct / Cli.TEST_ROWS).isCloseTo(evalAccuracy, within(1e-6));
        }

        @Test
        void npyInputGivesTheSamePredictionsAsIdx(@TempDir Path tmp) throws IOException {
            Path npy = writeNpy(tmp.resolve("x.npy"), Cli.testPixels(slice, N), N, 784);
            List<String> fromNpy = Cli.run("predict", "--model", base, "--input", npy).ok().outLines();
            assertThat(fromNpy.get(0)).isEqualTo("row,label,p0,p1,p2,p3,p4,p5,p6,p7,p8,p9");
            assertThat(fromNpy).hasSize(1 + N);
            List<String> fromIdx = Cli.run("predict", "--model", base, "--input", slice.resolve(FashionMnist.TEST_IMAGES))
                    .ok().outLines();
            assertThat(fromNpy).isEqualTo(fromIdx.subList(0, 1 + N));
        }

        @Test
        void csvInputGivesTheSamePredictionsAsIdx(@TempDir Path tmp) throws IOException {
            Path csv = writeCsv(tmp.resolve("x.csv"), Cli.testPixels(slice, N), N, 784, 784);
            Cli.Run r = Cli.run("predict", "--model", base, "--input", csv).ok();
            List<String> fromIdx = Cli.run("predict", "--model", base, "--input", slice.resolve(FashionMnist.TEST_IMAGES))
                    .ok().outLines();
            assertThat(r.outLines()).hasSize(1 + N).isEqualTo(fromIdx.subList(0, 1 + N));
        }

        @Test
        void outputFile(@TempDir Path tmp) throws IOException {
            Path npy = writeNpy(tmp.resolve("x.npy"), Cli.testPixels(slice, N), N, 784);
            Path out = tmp.resolve("predictions.csv");
            Cli.Run r = Cli.run("predict", "--model", base, "--input", npy, "--output", out).ok();
            assertThat(r.out()).isEmpty();
            assertThat(r.err()).contains("wrote 7 predictions");
            List<String> lines = Files.readAllLines(out);
            assertThat(lines).hasSize(1 + N);
            assertThat(lines.get(0)).isEqualTo("row,label,p0,p1,p2,p3,p4,p5,p6,p7,p8,p9");
        }

        @Test
        void csvWithTheWrongWidthIsBadInput(@TempDir Path tmp) throws IOException {
            Path csv = writeCsv(tmp.resolve("narrow.csv"), Cli.testPixels(slice, N), N, 784, 783);
            Cli.Run r = Cli.run("predict", "--model", base, "--input", csv).badInput("783 features per sample", "784");
            assertThat(r.out()).isEmpty();
        }

        @Test
        void missingOrUnknownInputIsBadInput(@TempDir Path tmp) throws IOException {
            Cli.run("predict", "--model", base, "--input", tmp.resolve("absent.csv")).badInput("does not exist");
            Path bin = tmp.resolve("x.bin");
            Files.write(bin, new byte[] {1, 2, 3, 4, 5});
            Cli.run("predict", "--model", base, "--input", bin).badInput("not a .csv, .npy or IDX file");
            Cli.run("predict", "--model", base).badInput("--input");
        }

        /** A little-endian float32 C-order .npy file (format 1.0), header written by hand. */
        static Path writeNpy(Path file, float[] x, int rows, int cols) throws IOException {
            String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows + ", " + cols + "), }";
            int unpadded = 10 + dict.length() + 1;
            int pad = (64 - unpadded % 64) % 64;
            String header = dict + " ".repeat(pad) + "\n";
            ByteBuffer b = ByteBuffer.allocate(10 + header.length() + 4 * x.length).order(ByteOrder.LITTLE_ENDIAN);
            b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
            b.putShort((short) header.length());
            b.put(header.getBytes(StandardCharsets.US_ASCII));
            for (float v : x) {
                b.putFloat(v);
            }
            assertThat((10 + header.length()) % 64).isZero();
            return Files.write(file, b.array());
        }

        /** A headerless CSV of the first {@code width} of each row's {@code cols} values. */
        static Path writeCsv(Path file, float[] x, int rows, int cols, int width) throws IOException {
            List<String> lines = new ArrayList<>();
            for (int r = 0; r < rows; r++) {
                StringBuilder b = new StringBuilder();
                for (int c = 0; c < width; c++) {
                    b.append(c == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.0f", x[r * cols + c]));
                }
                lines.add(b.toString());
            }
            return Files.write(file, lines);
        }
    }
}
