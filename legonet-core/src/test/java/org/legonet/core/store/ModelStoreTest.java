package org.legonet.core.store;

import org.legonet.core.ModelConfig;
import org.legonet.core.CommitObserver;

import org.legonet.core.StoreException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.legonet.core.data.Dataset;
import org.legonet.core.model.Trained;
import org.legonet.core.testing.SmallModels;
import org.legonet.core.Edit;
import org.legonet.core.ForgetRequest;
import org.legonet.core.testing.Synthetic;
import org.legonet.core.unlearn.Unlearner;
import org.legonet.core.unlearn.Verifier;
import org.legonet.core.Progress;
import org.legonet.core.util.Rng;

/** The model directory: round trips, damage detection, locking, replacement and crash recovery. */
class ModelStoreTest {
    private static Dataset[] split;
    private static Trained trained;
    private static Trained other;

    @TempDir
    Path tmp;

    @BeforeAll
    static void train() {
        Dataset[] d = SmallModels.blobs(400, 100, 3);
        // private rows in scrambled id order: the store must hold them by ascending id
        int[] perm = IntStream.range(0, d[1].size()).toArray();
        new Rng(1).shuffle(perm);
        split = new Dataset[] {d[0], d[1].select(perm, "private (shuffled)")};
        trained = SmallModels.train(SmallModels.config(7), split);
        other = SmallModels.train(SmallModels.config(8), split);
    }

    private Path create(Trained t) {
        Path dir = tmp.resolve("model");
        ModelStore.create(dir, t, SmallModels.info(split), SmallModels.ID_KEY, false, Progress.NONE);
        return dir;
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertStoreError(
            org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        return assertThatThrownBy(call).isInstanceOf(StoreException.class)
                .satisfies(t -> assertThat(t.getMessage()).doesNotContain("\n"));
    }

    private static void openAndClose(Path dir, boolean write) {
        try (ModelStore s = ModelStore.open(dir, write, SmallModels.ID_KEY)) {
            assertThat(s.model()).isNotNull();
        }
    }

    @Test
    void createThenOpenGivesTheSameModelAndData() {
        Path dir = create(trained);
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            assertThat(s.writable()).isFalse();
            assertThat(s.model().digest()).isEqualTo(trained.model().digest());
            assertThat(s.manifest().modelDigest()).isEqualTo(trained.model().digest());
            for (int j = 0; j < trained.model().adapterCount(); j++) {
                assertThat(s.model().adapter(j).digest()).isEqualTo(trained.model().adapter(j).digest());
                assertThat(s.data().size(j)).isEqualTo(trained.data().size(j));
            }
            assertThat(s.model().encoder().fingerprint()).isEqualTo(trained.model().encoder().fingerprint());
            assertThat(s.model().keys().digest()).isEqualTo(trained.model().keys().digest());
            assertThat(s.data().retained()).isEqualTo(300);
            assertThat(s.data().rows()).isEqualTo(300);
            assertThat(s.manifest().privateData().retained()).isEqualTo(300);
            assertThat(s.manifest().privateData().rawFormat()).isEqualTo("f32");
            assertThat(s.manifest().format()).isEqualTo(Manifest.FORMAT);
            assertThat(s.manifest().formatVersion()).isEqualTo(Manifest.VERSION);
            assertThat(s.manifest().generation()).isZero();
            assertThat(s.deletions()).isEmpty();
            for (int r = 0; r < 300; r++) {
                float[] a = new float[4];
                float[] b = new float[4];
                s.data().copyEncoding(r, a, 0);
                trained.data().copyEncoding(r, b, 0);
                assertThat(a).containsExactly(b);
                assertThat(s.data().route(r)).containsExactly(trained.data().route(r));
            }

            Dataset raw = s.readRaw(Progress.NONE);
            Dataset expected = split[1].select(IntStream.range(0, 300).boxed()
                    .sorted((x, y) -> Long.compare(split[1].id(x), split[1].id(y)))
                    .mapToInt(Integer::intValue).toArray(), "sorted");
            assertThat(raw.ids()).isSorted().containsExactly(expected.ids());
            assertThat(raw.labels()).containsExactly(expected.labels());
            assertThat(raw.fingerprint()).isEqualTo(expected.fingerprint());
        }
        try (ModelStore w = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            assertThat(w.writable()).isTrue();
            assertThat(w.model().digest()).isEqualTo(trained.model().digest());
        }
    }

    @Test
    void byteValuedFeaturesAreStoredAsBytesAndReadBackExactly() {
        Rng rng = new Rng(4);
        int rows = 160;
        float[] x = new float[rows * 6];
        int[] labels = new int[rows];
        for (int r = 0; r < rows; r++) {
            labels[r] = r % 3;
            for (int d = 0; d < 6; d++) {
                x[r * 6 + d] = Math.min(255, Math.max(0, 40 * labels[r] + 20 * d + rng.nextInt(30)));
            }
        }
        Dataset all = Dataset.withRowIds("bytes", labels, x, new int[] {2, 3});
        Dataset[] d = {all.slice(0, 60, "public"), all.slice(60, rows, "private")};
        Trained t = SmallModels.train(SmallModels.config(1), d);
        Path dir = tmp.resolve("bytes");
        ModelStore.create(dir, t, SmallModels.info(d), SmallModels.ID_KEY, false, Progress.NONE);
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            assertThat(s.manifest().privateData().rawFormat()).isEqualTo("u8");
            Dataset raw = s.readRaw(Progress.NONE);
            assertThat(raw.fingerprint()).isEqualTo(d[1].fingerprint());
            assertThat(raw.sampleShape()).containsExactly(2, 3);
        }
    }

    @Test
    void openingWhatIsNotAModelIsAOneLineError() throws IOException {
        Path missing = tmp.resolve("nothing-here");
        assertStoreError(() -> ModelStore.open(missing, false, SmallModels.ID_KEY)).hasMessageContaining("does not exist")
                .hasMessageContaining("nothing-here");
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertStoreError(() -> ModelStore.open(empty, true, SmallModels.ID_KEY)).hasMessageContaining("is not a LegoNet model directory")
                .hasMessageContaining("no manifest.json");
        Path dir = create(trained);
        byte[] manifest = Files.readAllBytes(dir.resolve(Manifest.FILE));

        ObjectNode foreign = (ObjectNode) Manifest.JSON.readTree(manifest);
        foreign.put("format", "something-else");
        Files.write(dir.resolve(Manifest.FILE), Manifest.JSON.writeValueAsBytes(foreign));
        assertStoreError(() -> ModelStore.open(dir, false, SmallModels.ID_KEY)).hasMessageContaining("not a LegoNet manifest")
                .hasMessageContaining("something-else");

        ObjectNode newer = (ObjectNode) Manifest.JSON.readTree(manifest);
        newer.put("format_version", 99);
        Files.write(dir.resolve(Manifest.FILE), Manifest.JSON.writeValueAsBytes(newer));
        assertStoreError(() -> ModelStore.open(dir, false, SmallModels.ID_KEY)).hasMessageContaining("format version 99")
                .hasMessageContaining("upgrade");

        ObjectNode incomplete = (ObjectNode) Manifest.JSON.readTree(manifest);
        incomplete.remove("keys");
        Files.write(dir.resolve(Manifest.FILE), Manifest.JSON.writeValueAsBytes(incomplete));
        assertStoreError(() -> ModelStore.open(dir, false, SmallModels.ID_KEY)).hasMessageContaining("field keys is missing");

        Files.write(dir.resolve(Manifest.FILE), "{\"format\": \"legonet-model\",\n \"format_version\": ".getBytes(
                StandardCharsets.UTF_8));
        assertStoreError(() -> ModelStore.open(dir, false, SmallModels.ID_KEY)).hasMessageContaining("is not valid JSON");

        Files.write(dir.resolve(Manifest.FILE), manifest);
        openAndClose(dir, false);
    }

    private static void flipByte(Path file, int fromEnd) throws IOException {
        byte[] b = Files.readAllBytes(file);
        b[b.length - fromEnd] ^= 0x01;
        Files.write(file, b);
    }

    @Test
    void aFlippedByteInAnyFileIsNamedAsCorrupted() throws IOException {
        Path dir = create(trained);
        Manifest m;
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            m = s.manifest();
        }
        Map<String, byte[]> pristine = StoreFiles.snapshot(dir);
        List<String> loadedAtOpen = List.of(m.adapters().get(3).file(),
                m.privateData().chunks().get(0).encodings().file(), "encoder.bin", "keys.bin");
        for (String name : loadedAtOpen) {
            flipByte(dir.resolve(name), 3);
            assertStoreError(() -> ModelStore.open(dir, false, SmallModels.ID_KEY)).hasMessageContaining(name)
                    .hasMessageContaining("corrupted");
            Files.write(dir.resolve(name), pristine.get(name));
        }
        // raw samples are read by verify, not by open
        String raw = m.privateData().chunks().get(0).raw().file();
        flipByte(dir.resolve(raw), 1);
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            assertStoreError(() -> s.readRaw(Progress.NONE)).hasMessageContaining(raw)
                    .hasMessageContaining("corrupted");
        }
        Files.write(dir.resolve(raw), pristine.get(raw));
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            assertThat(s.readRaw(Progress.NONE).size()).isEqualTo(300);
        }
    }

    @Test
    void aFileOfTheWrongKindOrForeignContentIsNamed() throws IOException {
        Path dir = create(trained);
        Files.copy(dir.resolve("keys.bin"), dir.resolve("encoder.bin"), StandardCopyOption.REPLACE_EXISTING);
        assertStoreError(() -> ModelStore.open(dir, false, SmallModels.ID_KEY)).hasMessageContaining("encoder.bin")
                .hasMessageContaining("KEYS data where ENCD was expected");
        Files.write(dir.resolve("encoder.bin"), "hello".getBytes(StandardCharsets.UTF_8));
        assertStoreError(() -> ModelStore.open(dir, false, SmallModels.ID_KEY)).hasMessageContaining("encoder.bin")
                .hasMessageContaining("not a LegoNet file");
    }

    @Test
    void aMissingReferencedFileIsNamed() throws IOException {
        Path dir = create(trained);
        Manifest m;
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            m = s.manifest();
        }
        String adapter = m.adapters().get(1).file();
        Files.delete(dir.resolve(adapter));
        assertStoreError(() -> ModelStore.open(dir, false, SmallModels.ID_KEY)).hasMessageContaining(adapter)
                .hasMessageContaining("missing");
        // a writer does not mistake the damage for leftovers: it refuses too, and deletes nothing
        List<String> before = StoreFiles.names(dir);
        assertStoreError(() -> ModelStore.open(dir, true, SmallModels.ID_KEY)).hasMessageContaining(adapter)
                .hasMessageContaining("missing");
        assertThat(StoreFiles.names(dir)).containsAll(before.stream().filter(n -> !n.equals(".lock")).toList());

        Path dir2 = tmp.resolve("model2");
        ModelStore.create(dir2, trained, SmallModels.info(split), SmallModels.ID_KEY, false, Progress.NONE);
        String chunk = m.privateData().chunks().get(0).encodings().file();
        Files.delete(dir2.resolve(chunk));
        assertStoreError(() -> ModelStore.open(dir2, false, SmallModels.ID_KEY)).hasMessageContaining(chunk)
                .hasMessageContaining("missing");
    }

    @Test
    void aSecondWriterIsLockedOutWhileReadersCarryOn() {
        Path dir = create(trained);
        try (ModelStore writer = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            assertStoreError(() -> ModelStore.open(dir, true, SmallModels.ID_KEY)).hasMessageContaining("locked");
            try (ModelStore reader = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
                assertThat(reader.model().digest()).isEqualTo(writer.model().digest());
            }
            // nor can a replacement swap the directory from under the writer
            assertStoreError(() -> ModelStore.create(dir, other, SmallModels.info(split), SmallModels.ID_KEY, true, Progress.NONE))
                    .hasMessageContaining("locked");
            assertThat(writer.model().digest()).isEqualTo(trained.model().digest());
        }
        try (ModelStore again = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            assertThat(again.model().digest()).isEqualTo(trained.model().digest());
        }
        assertThat(siblings()).containsExactly("model");
    }

    /** The names in the temporary folder: no temporary or old copies may be left beside the model. */
    private List<String> siblings() {
        try (var s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void anExistingModelIsReplacedOnlyWhenAsked() {
        Path dir = create(trained);
        Map<String, byte[]> before = StoreFiles.snapshot(dir);
        assertStoreError(() -> ModelStore.create(dir, other, SmallModels.info(split), SmallModels.ID_KEY, false, Progress.NONE))
                .hasMessageContaining("already exists");
        assertThat(StoreFiles.snapshot(dir)).containsOnlyKeys(before.keySet());
        StoreFiles.snapshot(dir).forEach((name, bytes) -> assertThat(bytes).as(name).isEqualTo(before.get(name)));

        ModelStore.create(dir, other, SmallModels.info(split), SmallModels.ID_KEY, true, Progress.NONE);
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            assertThat(s.model().digest()).isEqualTo(other.model().digest()).isNotEqualTo(trained.model().digest());
        }
        assertThat(siblings()).containsExactly("model");
    }

    @Test
    void aDirectoryThatIsNotAModelIsNeverReplaced() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("precious"));
        Files.writeString(dir.resolve("thesis.tex"), "\\documentclass{article}");
        assertStoreError(() -> ModelStore.create(dir, trained, SmallModels.info(split), SmallModels.ID_KEY, true, Progress.NONE))
                .hasMessageContaining("not a LegoNet model directory").hasMessageContaining("refusing");
        assertThat(StoreFiles.names(dir)).containsExactly("thesis.tex");
        assertStoreError(() -> ModelStore.create(dir, trained, SmallModels.info(split), SmallModels.ID_KEY, false, Progress.NONE))
                .hasMessageContaining("already exists");

        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        assertStoreError(() -> ModelStore.create(file, trained, SmallModels.info(split), SmallModels.ID_KEY, true, Progress.NONE))
                .hasMessageContaining("is not a directory");

        Path emptyDir = Files.createDirectories(tmp.resolve("empty"));
        ModelStore.create(emptyDir, trained, SmallModels.info(split), SmallModels.ID_KEY, false, Progress.NONE);
        openAndClose(emptyDir, false);
    }

    @Test
    void aWriterCleansUpWhatAnInterruptedCommitLeftBehind() throws IOException {
        Path dir = create(trained);
        // one committed forget, so that the deletion log has a committed part
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            new Unlearner(s, 1, Progress.NONE).forget(ForgetRequest.ofIds(s.data().id(10)));
        }
        String digest;
        long logBytes;
        List<String> clean = StoreFiles.names(dir);
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            digest = s.model().digest();
            logBytes = s.manifest().deletions().bytes();
            assertThat(logBytes).isPositive();
        }
        Files.write(dir.resolve("data/enc-00000.g000099.bin"), new byte[] {1, 2, 3});
        Files.write(dir.resolve("data/raw-00000.g000099.bin"), new byte[] {4});
        Files.write(dir.resolve("adapters/adapter-00002.g000099.bin"), new byte[] {5, 6});
        Files.writeString(dir.resolve("manifest.json.tmp"), "{\"half\": ");
        Files.writeString(dir.resolve("deletions.jsonl"), "{\"seq\":2,\"kind\":\"ids\",\"forgot",
                StandardOpenOption.APPEND);

        // a reader leaves everything as it is, and still sees the committed model
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            assertThat(s.model().digest()).isEqualTo(digest);
            assertThat(s.deletions()).hasSize(1);
        }
        assertThat(StoreFiles.names(dir)).contains("manifest.json.tmp", "adapters/adapter-00002.g000099.bin");

        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            assertThat(s.model().digest()).isEqualTo(digest);
            assertThat(s.deletions()).hasSize(1);
        }
        assertThat(Files.size(dir.resolve("deletions.jsonl"))).isEqualTo(logBytes);
        List<String> after = StoreFiles.names(dir);
        assertThat(after).doesNotContain("manifest.json.tmp", "data/enc-00000.g000099.bin",
                "data/raw-00000.g000099.bin", "adapters/adapter-00002.g000099.bin");
        assertThat(after.stream().filter(n -> !n.equals(".lock")).toList())
                .containsExactlyInAnyOrderElementsOf(clean.stream().filter(n -> !n.equals(".lock")).toList());
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            assertThat(s.model().digest()).isEqualTo(digest);
            assertThat(s.readRaw(Progress.NONE).size()).isEqualTo(299);
        }
    }

    @Test
    void manifestCountsThatDisagreeWithTheDataAreRefused() throws IOException {
        Path dir = create(trained);
        ObjectNode m = (ObjectNode) Manifest.JSON.readTree(dir.resolve(Manifest.FILE).toFile());
        ObjectNode first = (ObjectNode) m.get("adapters").get(0);
        first.put("samples", first.get("samples").asInt() + 1);
        Files.write(dir.resolve(Manifest.FILE), Manifest.JSON.writeValueAsBytes(m));
        assertStoreError(() -> ModelStore.open(dir, false, SmallModels.ID_KEY)).hasMessageContaining("adapter 0");
    }

    @Test
    void theModelDigestInTheManifestIsChecked() throws IOException {
        Path dir = create(trained);
        ObjectNode m = (ObjectNode) Manifest.JSON.readTree(dir.resolve(Manifest.FILE).toFile());
        m.put("model_digest", other.model().digest());
        Files.write(dir.resolve(Manifest.FILE), Manifest.JSON.writeValueAsBytes(m));
        assertStoreError(() -> ModelStore.open(dir, false, SmallModels.ID_KEY)).hasMessageContaining("model digest does not match");
    }

    @Test
    void theDeletionLogKeepsOnlySaltedHashes() throws IOException {
        Path dir = create(trained);
        long id;
        String hash;
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            id = s.data().id(42);
            hash = s.hashId(id);
            assertThat(s.wasForgotten(id)).isFalse();
            new Unlearner(s, 1, Progress.NONE).forget(ForgetRequest.ofIds(id));
            assertThat(s.wasForgotten(id)).isTrue();
        }
        String log = Files.readString(dir.resolve("deletions.jsonl"));
        assertThat(log).contains(hash).doesNotContain("\"" + id + "\"").doesNotContain(":" + id + ",")
                .doesNotContain("[" + id);
        assertThat(hash).hasSize(32);
        // the salt is per model: the same id hashes differently in another model directory
        Path dir2 = tmp.resolve("model2");
        ModelStore.create(dir2, trained, SmallModels.info(split), SmallModels.ID_KEY, false, Progress.NONE);
        try (ModelStore s = ModelStore.open(dir2, false, SmallModels.ID_KEY)) {
            assertThat(s.hashId(id)).isNotEqualTo(hash);
            assertThat(s.wasForgotten(id)).isFalse();
        }
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            assertThat(s.wasForgotten(id)).isTrue();
            assertThat(s.deletions()).hasSize(1);
            assertThat(s.deletions().get(0).idHashes()).containsExactly(hash);
            assertThat(Arrays.stream(s.adaptersEverRetrained()).boxed().toList())
                    .isEqualTo(s.deletions().get(0).adaptersRetrained());
        }
    }

    @Test
    void aCommitWithCoverWritesEveryAdapterItRetrainsAsANewFile() throws IOException {
        Path dir = tmp.resolve("covered");
        ModelStore.create(dir, new Trained(trained.model().withCover(2), trained.data(), trained.privateRaw(),
                trained.stats()), SmallModels.info(split), SmallModels.ID_KEY, false, Progress.NONE);
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            Manifest before = s.manifest();
            int[] route = s.data().route(42);
            org.legonet.core.UpdateReport r = new Unlearner(s, 1, Progress.NONE)
                    .forget(ForgetRequest.ofIds(s.data().id(42)));
            // k = 2 touched plus cover 2: four adapters retrained, written, logged, never told apart
            assertThat(r.adaptersRetrained()).hasSize(4).contains(route[0], route[1]);
            assertThat(r.cover()).isEqualTo(2);
            assertThat(s.deletions().get(0).adaptersRetrained()).isEqualTo(r.adaptersRetrained());
            Manifest after = s.manifest();
            for (int j = 0; j < 5; j++) {
                Manifest.AdapterEntry was = before.adapters().get(j);
                Manifest.AdapterEntry is = after.adapters().get(j);
                boolean retrained = r.adaptersRetrained().contains(j);
                assertThat(is.file()).as("adapter %d file", j).matches(retrained ? ".*\\.g000001\\.bin" : ".*\\.g000000\\.bin");
                assertThat(dir.resolve(is.file())).exists();
                boolean touched = j == route[0] || j == route[1];
                // what cover cannot hide: a cover adapter's digest and bytes are those it had
                assertThat(is.sha256().equals(was.sha256())).as("adapter %d bytes unchanged", j).isEqualTo(!touched);
            }
        }
        try (Stream<Path> files = Files.list(dir.resolve("adapters"))) {
            assertThat(files.filter(f -> f.getFileName().toString().endsWith(".g000001.bin")).count()).isEqualTo(4);
        }
        try (ModelStore s = ModelStore.open(dir, false)) {
            assertThat(new Verifier(1, Progress.NONE).verify(s, false).exact()).isTrue();
        }
    }

    /** Replaces the committed deletion log and makes the manifest's length and checksum of it fit. */
    private static void forgeLog(Path dir, String log, int formatVersion) throws IOException {
        byte[] bytes = log.getBytes(StandardCharsets.UTF_8);
        Files.write(dir.resolve("deletions.jsonl"), bytes);
        ObjectNode m = (ObjectNode) Manifest.JSON.readTree(dir.resolve(Manifest.FILE).toFile());
        ((ObjectNode) m.get("deletions")).put("sha256", org.legonet.core.util.Digests.sha256Hex(bytes))
                .put("bytes", bytes.length);
        m.put("format_version", formatVersion);
        if (formatVersion < 4) {
            // before version 4 the manifest says nothing of how id hashes are made, nor does its settings digest
            ObjectNode del = (ObjectNode) m.get("deletions");
            del.remove("id_hash");
            del.remove("key_check");
            Manifest parsed = Manifest.parse(Files.readAllBytes(dir.resolve(Manifest.FILE)), "manifest");
            m.put("settings_digest", Manifest.settingsDigest(ModelConfig.fromMap(parsed.config()).toMap(),
                    parsed.classes(), new Manifest.DeletionsEntry(0, 0, null, 0, del.get("salt").asText(), null, null,
                            null)));
        }
        Files.write(dir.resolve(Manifest.FILE), Manifest.JSON.writeValueAsBytes(m));
    }

    @Test
    void logLinesOfFormatVersion3CarryTheAddedCount() throws IOException {
        Path dir = create(trained);
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            Unlearner u = new Unlearner(s, 1, Progress.NONE);
            u.forget(ForgetRequest.ofIds(s.data().id(3)));
            u.update(Edit.add(Synthetic.blobs(2, 6, 3, 11, 1_000_001)));
        }
        String log = Files.readString(dir.resolve("deletions.jsonl"));
        List<String> lines = log.lines().toList();
        assertThat(lines.get(0)).contains("\"kind\":\"ids\"").contains("\"added\":0");
        assertThat(lines.get(1)).contains("\"kind\":\"add\"").contains("\"added\":2");
        // a version-2 line (no added) may precede version-3 lines, never follow one
        forgeLog(dir, lines.get(0).replace(",\"added\":0", "") + "\n" + lines.get(1) + "\n", 3);
        openAndClose(dir, false);
        forgeLog(dir, lines.get(0) + "\n" + lines.get(1).replace(",\"added\":2", "") + "\n", 3);
        assertStoreError(() -> openAndClose(dir, false)).hasMessageContaining("line 2")
                .hasMessageContaining("field added is missing");
        // version 2 knew no insertion
        forgeLog(dir, lines.get(0).replace(",\"added\":0", "") + "\n" + lines.get(1) + "\n", 2);
        assertStoreError(() -> openAndClose(dir, false)).hasMessageContaining("line 2")
                .hasMessageContaining("field added is not part of format version 2");
    }

    /** What a crash at a commit step looks like: the committing thread stops there. */
    private static final class Stop extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    /** The kinds of change a crash test interrupts. */
    enum Change {
        FORGET, ADD, ADD_AND_FORGET
    }

    static Stream<Arguments> stagesAndChanges() {
        return Arrays.stream(CommitObserver.Stage.values())
                .flatMap(stage -> Arrays.stream(Change.values()).map(change -> Arguments.of(stage, change)));
    }

    /**
     * The edit of each kind: forget one sample; add 800 new ones (they fill the one chunk's room and
     * start a new chunk); add 800 and forget one held sample and one of the added.
     */
    private static Edit edit(Change change, long heldId) {
        Dataset fresh = Synthetic.blobs(800, 6, 3, 11, 1_000_001);
        return switch (change) {
            case FORGET -> Edit.forget(ForgetRequest.ofIds(heldId));
            case ADD -> Edit.add(fresh);
            case ADD_AND_FORGET -> new Edit(fresh, ForgetRequest.ofIds(heldId, fresh.id(3)), false);
        };
    }

    @ParameterizedTest
    @MethodSource("stagesAndChanges")
    void aCommitStoppedAtAnyStepLeavesTheOldOrTheNewModel(CommitObserver.Stage stop, Change change) {
        Path dir = create(trained);
        List<String> untouched = StoreFiles.names(dir);
        String before;
        String after;
        long id;
        List<CommitObserver.Stage> seen = new java.util.ArrayList<>();
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            before = s.model().digest();
            id = s.data().id(17);
            s.observeCommits(stage -> {
                seen.add(stage);
                if (stage == stop) {
                    throw new Stop();
                }
            });
            assertThatThrownBy(() -> new Unlearner(s, 1, Progress.NONE).update(edit(change, id)))
                    .isInstanceOf(Stop.class);
        }
        assertThat(seen).containsExactlyElementsOf(
                Arrays.asList(CommitObserver.Stage.values()).subList(0, stop.ordinal() + 1));
        // the same change, uninterrupted, in a copy of the untouched model: the digest it must reach
        Path ref = tmp.resolve("reference");
        ModelStore.create(ref, trained, SmallModels.info(split), SmallModels.ID_KEY, false, Progress.NONE);
        int retained;
        try (ModelStore s = ModelStore.open(ref, true, SmallModels.ID_KEY)) {
            after = new Unlearner(s, 1, Progress.NONE).update(edit(change, id)).digestAfter();
            retained = s.data().retained();
        }
        boolean committed = stop.compareTo(CommitObserver.Stage.MANIFEST_SWITCHED) >= 0;
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            assertThat(s.model().digest()).isEqualTo(committed ? after : before);
            assertThat(s.deletions()).hasSize(committed ? 1 : 0);
            assertThat(s.wasForgotten(id)).isEqualTo(committed && change != Change.ADD);
            assertThat(s.data().retained()).isEqualTo(committed ? retained : 300);
            assertThat(new Verifier(1, Progress.NONE).verify(s, false).exact()).isTrue();
        }
        // the writer's recovery left exactly the files a clean commit (or none) leaves
        List<String> expected = committed ? StoreFiles.names(ref) : untouched;
        assertThat(StoreFiles.names(dir).stream().filter(n -> !n.equals(".lock")))
                .containsExactlyInAnyOrderElementsOf(expected.stream().filter(n -> !n.equals(".lock")).toList());
    }

    @Test
    void theServiceRequestsACommitCompletesAreRecordedWithIt() throws IOException {
        Path dir = create(trained);
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            Unlearner u = new Unlearner(s, 1, Progress.NONE);
            var r = u.forget(ForgetRequest.ofIds(s.data().id(3), s.data().id(4)), List.of("req-a", "req-b"));
            assertThat(r.committed()).isNotNull();
            assertThat(r.committed().seq()).isEqualTo(1);
            assertThat(r.committed().requests()).containsExactly("req-a", "req-b");
            assertThat(r.committed().digestAfter()).isEqualTo(s.model().digest());
            // a no-op records nothing: replaying it is harmless
            var again = u.forget(ForgetRequest.ofIds(s.data().id(3)), List.of("req-c"));
            assertThat(again.committed()).isNull();
            u.forget(ForgetRequest.ofIds(s.data().id(5)));
        }
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            assertThat(s.deletions()).hasSize(2);
            assertThat(s.deletions().get(0).requests()).containsExactly("req-a", "req-b");
            assertThat(s.deletions().get(1).requests()).isNull();
            assertThat(SmallModels.ID_KEY.hashId(s.manifest().deletions().salt(), s.data().id(6)))
                    .isEqualTo(s.hashId(s.data().id(6)));
        }
        assertThat(Files.readString(dir.resolve("deletions.jsonl")).lines().skip(1).findFirst().orElseThrow())
                .doesNotContain("requests");
    }
}
