package org.legonet.core.unlearn;

import org.legonet.core.UpdateReport;
import org.legonet.core.VerifyReport;
import org.legonet.core.ForgetRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.LegoNetException;
import org.legonet.core.adapter.Adapter;
import org.legonet.core.adapter.TrainingSet;
import org.legonet.core.data.Dataset;
import org.legonet.core.model.LegoNetModel;
import org.legonet.core.model.LegoNetTrainer;
import org.legonet.core.model.PrivateSet;
import org.legonet.core.model.Trained;
import org.legonet.core.ChangeRecord;
import org.legonet.core.store.ModelStore;
import org.legonet.core.store.StoreFiles;
import org.legonet.core.testing.SmallModels;
import org.legonet.core.testing.Synthetic;
import org.legonet.core.Progress;

/** Forgetting: validation, no-ops, class requests, physical erasure, reports, and verification. */
class UnlearnerTest {
    /** Private ids start here: distinctive 8-byte patterns, so a scan of the files can find them. */
    private static final long ID_BASE = 0x5EED_0000_0000L;
    private static final int PUBLIC = 200;
    /** Three data chunks of {@link ModelStore#CHUNK_ROWS}. */
    private static final int PRIVATE = 2 * ModelStore.CHUNK_ROWS + 300;

    private static Dataset[] split;
    private static Trained trained;

    @TempDir
    Path tmp;
    private Path dir;

    @BeforeAll
    static void train() {
        Dataset all = Synthetic.blobs(PUBLIC + PRIVATE, 6, 3, 5, ID_BASE);
        split = new Dataset[] {all.slice(0, PUBLIC, "public"), all.slice(PUBLIC, PUBLIC + PRIVATE, "private")};
        trained = SmallModels.train(SmallModels.config(7), split);
    }

    @BeforeEach
    void store() {
        dir = tmp.resolve("model");
        ModelStore.create(dir, trained, SmallModels.info(split), SmallModels.ID_KEY, false, Progress.NONE);
    }

    private static Unlearner unlearner(ModelStore s) {
        return new Unlearner(s, 2, Progress.NONE);
    }

    private static long idOfRow(int row) {
        return trained.data().id(row);
    }

    @Test
    void anUnknownIdFailsBeforeAnythingChanges() {
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            Map<String, byte[]> before = StoreFiles.snapshot(dir);
            String digest = s.model().digest();
            long known = idOfRow(5);
            long unknown = ID_BASE + 1; // ids are ID_BASE + 3 * row
            assertThatThrownBy(() -> unlearner(s).forget(ForgetRequest.ofIds(known, unknown)))
                    .isInstanceOf(LegoNetException.class)
                    .hasMessageContaining(Long.toString(unknown))
                    .hasMessageNotContaining(Long.toString(known))
                    .hasMessageContaining("nothing was changed");
            assertThat(s.model().digest()).isEqualTo(digest);
            assertThat(s.data().retained()).isEqualTo(PRIVATE);
            assertThat(s.data().isErased(5)).isFalse();
            Map<String, byte[]> after = StoreFiles.snapshot(dir);
            assertThat(after).containsOnlyKeys(before.keySet());
            after.forEach((name, bytes) -> assertThat(bytes).as(name).isEqualTo(before.get(name)));
        }
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            assertThat(s.model().digest()).isEqualTo(trained.model().digest());
            assertThat(s.deletions()).isEmpty();
        }
    }

    @Test
    void anUnlearnerNeedsAWriter() {
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            assertThatThrownBy(() -> new Unlearner(s, 1, Progress.NONE)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> ForgetRequest.ofIds()).isInstanceOf(LegoNetException.class);
    }

    @Test
    void forgettingTheSameIdAgainIsANoOpWithANote() {
        long id = idOfRow(77);
        String afterFirst;
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            UpdateReport first = unlearner(s).forget(ForgetRequest.ofIds(id, id));
            assertThat(first.forgotten()).isEqualTo(1);
            assertThat(first.alreadyForgotten()).isZero();
            assertThat(first.changed()).isTrue();
            afterFirst = s.model().digest();
        }
        // in a later session: the deletion log remembers the (hashed) id
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            UpdateReport second = unlearner(s).forget(ForgetRequest.ofIds(id));
            assertThat(second.forgotten()).isZero();
            assertThat(second.alreadyForgotten()).isEqualTo(1);
            assertThat(second.changed()).isFalse();
            assertThat(second.adaptersRetrained()).isEmpty();
            assertThat(second.samplesRetrained()).isZero();
            assertThat(second.notes()).singleElement().asString().contains("already forgotten");
            assertThat(second.digestBefore()).isEqualTo(afterFirst);
            assertThat(second.digestAfter()).isEqualTo(afterFirst);
            assertThat(s.model().digest()).isEqualTo(afterFirst);
            assertThat(s.deletions()).hasSize(1);
            assertThat(s.manifest().generation()).isEqualTo(1);
        }
    }

    @Test
    void aMixOfNewAndAlreadyForgottenIdsForgetsTheNewOnes() {
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            unlearner(s).forget(ForgetRequest.ofIds(idOfRow(3)));
            UpdateReport r = unlearner(s).forget(ForgetRequest.ofIds(idOfRow(3), idOfRow(4), idOfRow(1500)));
            assertThat(r.forgotten()).isEqualTo(2);
            assertThat(r.alreadyForgotten()).isEqualTo(1);
            assertThat(r.notes()).anyMatch(n -> n.contains("1 id was already forgotten"));
            assertThat(s.data().retained()).isEqualTo(PRIVATE - 3);
            assertThat(s.deletions()).hasSize(2);
            assertThat(s.deletions().get(1).forgotten()).isEqualTo(2);
            assertThat(s.manifest().deletions().samples()).isEqualTo(3);
        }
    }

    @Test
    void anIdNamedTwiceInOneRequestIsForgottenOnceAndCountedOnce() {
        long id = idOfRow(300);
        long other = idOfRow(301);
        // the canonical constructor, as a deserialiser (a REST request body) would call it
        ForgetRequest twice = new ForgetRequest(new long[] {id, other, id}, null);
        assertThat(twice.ids()).containsExactly(Math.min(id, other), Math.max(id, other));
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            UpdateReport r = unlearner(s).forget(twice);
            assertThat(r.forgotten()).isEqualTo(2);
            assertThat(s.manifest().deletions().samples()).isEqualTo(2);
            assertThat(s.deletions().get(0).idHashes()).doesNotHaveDuplicates().hasSize(2);
            assertThat(s.data().retained()).isEqualTo(PRIVATE - 2);
            UpdateReport again = unlearner(s).forget(new ForgetRequest(new long[] {id, id}, null));
            assertThat(again.alreadyForgotten()).isEqualTo(1);
        }
    }

    @Test
    void forgettingAClassRemovesEveryRetainedSampleOfIt() {
        int cls = 1;
        long count = Arrays.stream(split[1].labels()).filter(l -> l == cls).count();
        assertThat(count).isGreaterThan(500);
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            unlearner(s).forget(ForgetRequest.ofIds(idOfRow(0)));
            int before = s.data().retained();
            long stillThere = Arrays.stream(s.data().retainedRows()).filter(r -> s.data().label(r) == cls).count();
            UpdateReport r = unlearner(s).forget(ForgetRequest.ofClass(cls));
            assertThat(r.forgotten()).isEqualTo((int) stillThere);
            assertThat(s.data().retained()).isEqualTo(before - (int) stillThere);
            assertThat(r.request()).contains("class 1");
            // a class request a second time finds nothing
            UpdateReport again = unlearner(s).forget(ForgetRequest.ofClass(cls));
            assertThat(again.forgotten()).isZero();
            assertThat(again.notes()).singleElement().asString().contains("no retained private sample has class 1");
            assertThat(s.deletions()).hasSize(2);
            assertThat(s.deletions().get(1).kind()).isEqualTo("class");
            assertThat(s.deletions().get(1).forgetClass()).isEqualTo(cls);
        }
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            Dataset raw = s.readRaw(Progress.NONE);
            assertThat(raw.labels()).doesNotContain(cls).contains(0, 2);
            int firstForgotten = split[1].label(indexOfId(idOfRow(0))) == cls ? 0 : 1;
            assertThat(raw.size()).isEqualTo(PRIVATE - (int) count - firstForgotten);
            for (int r : s.data().retainedRows()) {
                assertThat(s.data().label(r)).isNotEqualTo(cls);
            }
        }
    }

    private static int indexOfId(long id) {
        for (int r = 0; r < split[1].size(); r++) {
            if (split[1].id(r) == id) {
                return r;
            }
        }
        throw new AssertionError("no id " + id);
    }

    @Test
    void aClassOutsideTheLabelSetIsAnError() {
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            assertThatThrownBy(() -> unlearner(s).forget(ForgetRequest.ofClass(3)))
                    .isInstanceOf(LegoNetException.class).hasMessageContaining("class 3")
                    .hasMessageContaining("0..2");
            assertThat(s.deletions()).isEmpty();
        }
        assertThatThrownBy(() -> ForgetRequest.ofClass(-1)).isInstanceOf(LegoNetException.class)
                .hasMessageContaining("-1");
    }

    private static byte[] floats(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    private static byte[] longLe(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    /** Names of the files under the model directory whose bytes contain {@code needle}. */
    private List<String> filesContaining(byte[] needle) {
        List<String> out = new ArrayList<>();
        StoreFiles.snapshot(dir).forEach((name, bytes) -> {
            if (StoreFiles.contains(bytes, needle)) {
                out.add(name);
            }
        });
        return out;
    }

    @Test
    void aForgottenSampleIsPhysicallyGoneFromTheStore() throws Exception {
        int row = ModelStore.CHUNK_ROWS + 123; // in the middle chunk
        long id = idOfRow(row);
        float[] features = new float[6];
        split[1].copyRow(indexOfId(id), features, 0);
        float[] encoding = new float[4];
        trained.data().copyEncoding(row, encoding, 0);
        byte[] rawBytes = floats(features);
        byte[] encBytes = floats(encoding);
        byte[] idBytes = longLe(id);
        // the scan finds the sample before the forget: in its chunk files and nowhere else
        assertThat(filesContaining(rawBytes)).containsExactly("data/raw-00001.g000000.bin");
        assertThat(filesContaining(encBytes)).containsExactly("data/enc-00001.g000000.bin");
        assertThat(filesContaining(idBytes)).containsExactlyInAnyOrder("data/raw-00001.g000000.bin",
                "data/enc-00001.g000000.bin");
        Map<String, byte[]> before = StoreFiles.snapshot(dir);

        String hash;
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            hash = s.hashId(id);
            unlearner(s).forget(ForgetRequest.ofIds(id));
            // in memory too: the erased row's cached encoding and label are wiped
            assertThat(s.data().isErased(row)).isTrue();
            float[] wiped = new float[4];
            s.data().copyEncoding(row, wiped, 0);
            assertThat(wiped).containsOnly(0.0f);
            assertThat(s.data().label(row)).isEqualTo(-1);
        }
        assertThat(filesContaining(rawBytes)).isEmpty();
        assertThat(filesContaining(encBytes)).isEmpty();
        assertThat(filesContaining(idBytes)).isEmpty();

        List<String> names = StoreFiles.names(dir);
        assertThat(names).doesNotContain("data/raw-00001.g000000.bin", "data/enc-00001.g000000.bin")
                .contains("data/raw-00001.g000001.bin", "data/enc-00001.g000001.bin");
        // the chunks that did not hold the sample are untouched
        for (String untouched : List.of("data/raw-00000.g000000.bin", "data/enc-00000.g000000.bin",
                "data/raw-00002.g000000.bin", "data/enc-00002.g000000.bin", "encoder.bin", "keys.bin")) {
            assertThat(Files.readAllBytes(dir.resolve(untouched))).as(untouched).isEqualTo(before.get(untouched));
        }
        String log = Files.readString(dir.resolve("deletions.jsonl"), StandardCharsets.UTF_8);
        assertThat(log).contains(hash).doesNotContain(Long.toString(id)).doesNotContain(Long.toHexString(id));
    }

    @Test
    void theReportDescribesWhatWasRetrained() {
        int[] rows = {10, ModelStore.CHUNK_ROWS + 5, 2 * ModelStore.CHUNK_ROWS + 17};
        long[] ids = Arrays.stream(rows).mapToLong(UnlearnerTest::idOfRow).toArray();
        TreeSet<Integer> union = new TreeSet<>();
        for (int r : rows) {
            for (int a : trained.data().route(r)) {
                union.add(a);
            }
        }
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            LegoNetModel before = s.model();
            UpdateReport r = unlearner(s).forget(ForgetRequest.ofIds(ids));
            assertThat(r.forgotten()).isEqualTo(3);
            assertThat(r.alreadyForgotten()).isZero();
            assertThat(r.adaptersRetrained()).containsExactlyElementsOf(union);
            long samples = 0;
            long params = 0;
            for (int j : union) {
                samples += s.data().size(j);
                params += s.model().adapter(j).parameterCount();
                assertThat(s.model().adapter(j).samples()).isEqualTo(s.data().size(j));
                assertThat(s.model().adapter(j).digest()).isNotEqualTo(before.adapter(j).digest());
            }
            for (int j = 0; j < before.adapterCount(); j++) {
                if (!union.contains(j)) {
                    assertThat(s.model().adapter(j).digest()).isEqualTo(before.adapter(j).digest());
                }
            }
            assertThat(r.samplesRetrained()).isEqualTo(samples);
            assertThat(r.parametersRetrained()).isEqualTo(params);
            assertThat(r.digestBefore()).isEqualTo(before.digest());
            assertThat(r.digestAfter()).isEqualTo(s.model().digest()).isNotEqualTo(before.digest());
            assertThat(r.seconds()).isGreaterThanOrEqualTo(r.trainSeconds());
            assertThat(r.notes()).isEmpty();

            ChangeRecord rec = s.deletions().get(0);
            assertThat(rec.seq()).isEqualTo(1);
            assertThat(rec.kind()).isEqualTo("ids");
            assertThat(rec.forgotten()).isEqualTo(3);
            assertThat(rec.adaptersRetrained()).containsExactlyElementsOf(union);
            assertThat(rec.samplesRetrained()).isEqualTo(samples);
            assertThat(rec.digestBefore()).isEqualTo(r.digestBefore());
            assertThat(rec.digestAfter()).isEqualTo(r.digestAfter());
            assertThat(rec.idHashes()).containsExactly(s.hashId(ids[0]), s.hashId(ids[1]), s.hashId(ids[2]));
        }
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            assertThat(s.model().digest()).isEqualTo(s.deletions().get(0).digestAfter());
            assertThat(s.data().retained()).isEqualTo(PRIVATE - 3);
        }
    }

    @Test
    void verifyProvesTheStoreExactAfterForgets() {
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            unlearner(s).forget(ForgetRequest.ofIds(idOfRow(1), idOfRow(2000)));
            unlearner(s).forget(ForgetRequest.ofClass(2));
            // in the writer's own session, right after the forgets
            VerifyReport now = new Verifier(2, Progress.NONE).verify(s, false);
            assertThat(now.exact()).as("%s", now.problems()).isTrue();
        }
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            VerifyReport full = new Verifier(2, Progress.NONE).verify(s, false);
            assertThat(full.exact()).as("%s", full.problems()).isTrue();
            assertThat(full.differing()).isEmpty();
            assertThat(full.encodingsMatch()).isTrue();
            assertThat(full.routesMatch()).isTrue();
            assertThat(full.adaptersRebuilt()).isEqualTo(s.model().adapterCount());
            assertThat(full.adaptersNotRebuilt()).isZero();
            assertThat(full.fullRebuild()).isTrue();
            assertThat(full.provenExact()).isTrue();
            assertThat(full.samples()).isEqualTo(s.data().retained());
            assertThat(full.rebuiltDigest()).isEqualTo(full.storedDigest()).isEqualTo(s.model().digest());

            VerifyReport affected = new Verifier(1, Progress.NONE).verify(s, true);
            assertThat(affected.exact()).as("%s", affected.problems()).isTrue();
            assertThat(affected.adaptersRebuilt()).isEqualTo(s.adaptersEverRetrained().length).isPositive();
            assertThat(affected.adaptersNotRebuilt()).isEqualTo(s.model().adapterCount() - affected.adaptersRebuilt());
        }
    }

    @Test
    void anEmptiedChunkAndLaterSessionsKeepTheStoreConsistent() {
        long[] firstChunk = new long[ModelStore.CHUNK_ROWS];
        for (int r = 0; r < firstChunk.length; r++) {
            firstChunk[r] = idOfRow(r);
        }
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            assertThat(unlearner(s).forget(ForgetRequest.ofIds(firstChunk)).forgotten())
                    .isEqualTo(ModelStore.CHUNK_ROWS);
        }
        // rows are renumbered when the store is opened again: chunk 0 is now empty
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            assertThat(s.data().rows()).isEqualTo(PRIVATE - ModelStore.CHUNK_ROWS);
            assertThat(s.manifest().privateData().chunks().get(0).rows()).isZero();
            UpdateReport r = unlearner(s).forget(ForgetRequest.ofIds(idOfRow(ModelStore.CHUNK_ROWS + 6),
                    idOfRow(2 * ModelStore.CHUNK_ROWS + 1)));
            assertThat(r.forgotten()).isEqualTo(2);
            assertThat(unlearner(s).forget(ForgetRequest.ofIds(idOfRow(7))).alreadyForgotten()).isEqualTo(1);
        }
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            Dataset raw = s.readRaw(Progress.NONE);
            assertThat(raw.size()).isEqualTo(PRIVATE - ModelStore.CHUNK_ROWS - 2);
            assertThat(raw.ids())
                    .doesNotContain(idOfRow(ModelStore.CHUNK_ROWS + 6), idOfRow(2 * ModelStore.CHUNK_ROWS + 1))
                    .contains(idOfRow(ModelStore.CHUNK_ROWS + 5));
            VerifyReport v = new Verifier(2, Progress.NONE).verify(s, false);
            assertThat(v.exact()).as("%s", v.problems()).isTrue();
        }
    }

    @Test
    void forgettingEverySampleLeavesAStoreOfUntrainedAdaptersThatVerifies() {
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            for (int c = 0; c < 3; c++) {
                unlearner(s).forget(ForgetRequest.ofClass(c));
            }
            assertThat(s.data().retained()).isZero();
            VerifyReport v = new Verifier(1, Progress.NONE).verify(s, false);
            assertThat(v.exact()).as("%s", v.problems()).isTrue();
        }
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            assertThat(s.readRaw(Progress.NONE).size()).isZero();
            for (int j = 0; j < s.model().adapterCount(); j++) {
                assertThat(s.model().adapter(j).samples()).isZero();
            }
            assertThat(s.model().emptyAdapters()).isEqualTo(s.model().adapterCount());
            assertThat(new Verifier(2, Progress.NONE).verify(s, true).exact()).isTrue();
        }
    }

    @Test
    void aModelWhoseSamplesAreAllForgottenAnswersUniformlyNotWithItsInitialWeights() {
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            for (int c = 0; c < 3; c++) {
                unlearner(s).forget(ForgetRequest.ofClass(c));
            }
        }
        Dataset probe = split[1];
        float[] x = new float[probe.size() * probe.dim()];
        for (int r = 0; r < probe.size(); r++) {
            probe.copyRow(r, x, r * probe.dim());
        }
        float[] uniform = new float[probe.size() * 3];
        Arrays.fill(uniform, 1.0f / 3);
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            float[] p = s.model().predictRaw(x, probe.size());
            assertThat(p).containsExactly(uniform);
            assertThat(LegoNetModel.argmax(p, probe.size(), 3)).containsOnly(0);
        }
    }

    @Test
    void verifyCatchesAnAdapterThatIsNotTheFromScratchOne() {
        // a store written consistently (every checksum right) around one adapter trained with another seed
        int j = 2;
        Adapter foreign = LegoNetTrainer.adapterTrainer(trained.model().config())
                .train(j, 8, trained.data().trainingSet(j, trained.model().classes()));
        assertThat(foreign.sampleSetDigest()).isEqualTo(trained.model().adapter(j).sampleSetDigest());
        assertThat(foreign.digest()).isNotEqualTo(trained.model().adapter(j).digest());
        LegoNetModel tampered = trained.model().withAdapters(List.of(foreign));
        Path bad = tmp.resolve("tampered");
        ModelStore.create(bad, new Trained(tampered, trained.data(), trained.privateRaw(), trained.stats()),
                SmallModels.info(split), SmallModels.ID_KEY, false, Progress.NONE);
        try (ModelStore s = ModelStore.open(bad, false, SmallModels.ID_KEY)) {
            VerifyReport v = new Verifier(2, Progress.NONE).verify(s, false);
            assertThat(v.exact()).isFalse();
            assertThat(v.differing()).containsExactly(j);
            assertThat(v.encodingsMatch()).isTrue();
            assertThat(v.routesMatch()).isTrue();
            assertThat(v.rebuiltDigest()).isEqualTo(trained.model().digest()).isNotEqualTo(v.storedDigest());
            assertThat(v.problems()).anyMatch(p -> p.contains("[" + j + "]"));
        }
    }

    @Test
    void affectedOnlyVerifySaysWhatItDidNotRebuildWhenAnUntouchedAdapterWasAltered() {
        // the scenario: an adapter no forget retrained is replaced (right sample set, wrong
        // weights) and the manifest made consistent; only a rebuild of that adapter can tell
        final int[] retrained;
        final PrivateSet data;
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            retrained = unlearner(s).forget(ForgetRequest.ofIds(idOfRow(600))).adaptersRetrained().stream()
                    .mapToInt(Integer::intValue).toArray();
            data = s.data();
        }
        int n = trained.model().adapterCount();
        int k = java.util.stream.IntStream.range(0, n)
                .filter(a -> Arrays.stream(retrained).noneMatch(x -> x == a) && data.size(a) > 0).findFirst()
                .orElseThrow();
        StoreFiles.replaceAdapter(dir, LegoNetTrainer.adapterTrainer(trained.model().config())
                .train(k, 777L, data.trainingSet(k, trained.model().classes())));
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            VerifyReport affected = new Verifier(2, Progress.NONE).verify(s, true);
            assertThat(affected.exact()).as("what it checked matches").isTrue();
            assertThat(affected.fullRebuild()).isFalse();
            assertThat(affected.provenExact()).isFalse();
            assertThat(affected.adaptersRebuilt()).isEqualTo(retrained.length);
            assertThat(affected.adaptersNotRebuilt()).isEqualTo(n - retrained.length);
            assertThat(affected.scope()).isEqualTo("rebuilt " + retrained.length + " adapters retrained by forgets; "
                    + (n - retrained.length) + " others checked only against the sample-set digests in their files, "
                    + "not rebuilt");

            VerifyReport full = new Verifier(2, Progress.NONE).verify(s, false);
            assertThat(full.exact()).isFalse();
            assertThat(full.differing()).containsExactly(k);
            assertThat(full.fullRebuild()).isTrue();
            assertThat(full.scope()).isEqualTo("rebuilt all " + n + " adapters from scratch");
        }
    }

    @Test
    void affectedOnlyVerifyCatchesATamperedRetrainedAdapterAndAForeignSampleSet() {
        long id = idOfRow(600);
        final int[] retrained;
        final PrivateSet data;
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            retrained = unlearner(s).forget(ForgetRequest.ofIds(id)).adaptersRetrained().stream()
                    .mapToInt(Integer::intValue).toArray();
            data = s.data();
        }
        int j = retrained[0];
        int[] untouched = java.util.stream.IntStream.range(0, trained.model().adapterCount())
                .filter(a -> Arrays.stream(retrained).noneMatch(x -> x == a) && data.size(a) > 0).toArray();
        assertThat(untouched).as("adapters the forget did not retrain").isNotEmpty();
        int k = untouched[0];
        var trainer = LegoNetTrainer.adapterTrainer(trained.model().config());
        int classes = trained.model().classes();

        // adapter j: right samples, wrong seed
        StoreFiles.replaceAdapter(dir, trainer.train(j, 12345L, data.trainingSet(j, classes)));
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            VerifyReport v = new Verifier(2, Progress.NONE).verify(s, true);
            assertThat(v.exact()).isFalse();
            assertThat(v.differing()).containsExactly(j);
        }

        // adapter k (never retrained, so not retrained by verify either): a relabelled sample set of the same size
        TrainingSet own = data.trainingSet(k, classes);
        int[] labels = new int[data.rows()];
        for (int r = 0; r < labels.length; r++) {
            labels[r] = data.label(r);
        }
        int victim = own.rows()[0];
        labels[victim] = (labels[victim] + 1) % classes;
        long[] ids = new long[data.rows()];
        for (int r = 0; r < ids.length; r++) {
            ids[r] = data.id(r);
        }
        TrainingSet relabelled = new TrainingSet(own.encodings(), own.dim(), labels, ids, own.rows(), classes);
        Adapter foreign = trainer.train(k, trained.model().adapter(k).seed(), relabelled);
        assertThat(foreign.samples()).isEqualTo(data.size(k));
        StoreFiles.replaceAdapter(dir, foreign);
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            VerifyReport v = new Verifier(2, Progress.NONE).verify(s, true);
            assertThat(v.exact()).isFalse();
            assertThat(v.differing()).containsExactlyInAnyOrder(j, k).isSorted();
            VerifyReport full = new Verifier(2, Progress.NONE).verify(s, false);
            assertThat(full.differing()).containsExactlyInAnyOrder(j, k);
        }
    }
}
