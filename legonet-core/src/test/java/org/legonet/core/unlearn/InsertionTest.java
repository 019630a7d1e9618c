package org.legonet.core.unlearn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.Aggregate;
import org.legonet.core.ChangeRecord;
import org.legonet.core.Distance;
import org.legonet.core.Edit;
import org.legonet.core.ForgetRequest;
import org.legonet.core.IdConflictException;
import org.legonet.core.KeyMethod;
import org.legonet.core.LegoNetException;
import org.legonet.core.ModelConfig;
import org.legonet.core.Progress;
import org.legonet.core.StaleModelException;
import org.legonet.core.UpdateReport;
import org.legonet.core.VerifyReport;
import org.legonet.core.adapter.AdapterSpec;
import org.legonet.core.adapter.Optimizer;
import org.legonet.core.data.Dataset;
import org.legonet.core.model.LegoNetTrainer;
import org.legonet.core.model.Trained;
import org.legonet.core.store.Manifest;
import org.legonet.core.store.ModelStore;
import org.legonet.core.store.StoreChange;
import org.legonet.core.store.StoreFiles;
import org.legonet.core.testing.SmallModels;
import org.legonet.core.testing.Synthetic;
import org.legonet.core.testing.TestData;

/**
 * Adding samples: what is refused (and that nothing is written then), where added samples are
 * stored, what the log keeps of them, and that a model grown by insertion is the model trained on
 * all its samples (real Fashion-MNIST images, stored as bytes).
 */
class InsertionTest {
    /** Private ids start here: distinctive 8-byte patterns, so a scan of the files can find them. */
    private static final long ID_BASE = 0x5EED_0000_0000L;
    private static final int PUBLIC = 200;
    /** Three data chunks, the last holding 300 rows. */
    private static final int PRIVATE = 2 * ModelStore.CHUNK_ROWS + 300;

    private static Dataset[] split;
    private static Dataset extra;
    private static Trained trained;

    @TempDir
    Path tmp;
    private Path dir;

    @BeforeAll
    static void train() {
        Dataset all = Synthetic.blobs(PUBLIC + PRIVATE + 1100, 6, 3, 5, ID_BASE);
        split = new Dataset[] {all.slice(0, PUBLIC, "public"), all.slice(PUBLIC, PUBLIC + PRIVATE, "private")};
        extra = all.slice(PUBLIC + PRIVATE, all.size(), "new samples");
        trained = SmallModels.train(SmallModels.config(7), split);
    }

    @BeforeEach
    void store() {
        dir = tmp.resolve("model");
        ModelStore.create(dir, trained, SmallModels.info(split), SmallModels.ID_KEY, false, Progress.NONE);
    }

    private static Unlearner updater(ModelStore s) {
        return new Unlearner(s, 2, Progress.NONE);
    }

    private static Dataset samples(long[] ids, int[] labels, float[] x) {
        return new Dataset("new", ids, labels, x, new int[] {x.length / ids.length});
    }

    /** Runs {@code edit}, expecting {@code type}; the model directory is unchanged, byte for byte. */
    private <T extends Throwable> T refused(Edit edit, Class<T> type) {
        Map<String, byte[]> before = StoreFiles.snapshot(dir);
        before.remove(".lock"); // taken by each writer
        Throwable thrown;
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            String digest = s.model().digest();
            thrown = org.assertj.core.api.Assertions.catchThrowable(() -> updater(s).update(edit));
            assertThat(s.model().digest()).isEqualTo(digest);
        }
        assertThat(thrown).isInstanceOf(type);
        assertThat(thrown.getMessage()).doesNotContain("\n");
        Map<String, byte[]> after = StoreFiles.snapshot(dir);
        after.remove(".lock");
        assertThat(after.keySet()).isEqualTo(before.keySet());
        for (String f : before.keySet()) {
            assertThat(after.get(f)).as(f).isEqualTo(before.get(f));
        }
        return type.cast(thrown);
    }

    @Test
    void conflictingIdsAreRefusedBeforeAnythingChanges() {
        long held = trained.data().id(5);
        Dataset one = extra.slice(0, 1, "one");
        float[] x = new float[12];
        for (int i = 0; i < x.length; i++) {
            x[i] = one.feature(0, i % 6);
        }
        IdConflictException e = refused(Edit.add(samples(new long[] {extra.id(0), held}, new int[] {0, 1}, x)),
                IdConflictException.class);
        assertThat(e.reason()).isEqualTo(IdConflictException.Reason.HELD);
        assertThat(e.ids()).containsExactly(held);
        e = refused(Edit.add(samples(new long[] {extra.id(0), extra.id(0)}, new int[] {0, 0}, x)),
                IdConflictException.class);
        assertThat(e.reason()).isEqualTo(IdConflictException.Reason.REPEATED);
        assertThat(e.ids()).containsExactly(extra.id(0));
    }

    @Test
    void aForgottenIdComesBackOnlyWhenAskedFor() {
        long id = trained.data().id(7);
        Dataset back = split[1].select(new int[] {split[1].rowOf(id)}, "back");
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            updater(s).forget(ForgetRequest.ofIds(id));
        }
        IdConflictException e = refused(Edit.add(back), IdConflictException.class);
        assertThat(e.reason()).isEqualTo(IdConflictException.Reason.FORGOTTEN);
        assertThat(e.getMessage()).contains(Long.toString(id));
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            UpdateReport r = updater(s).update(Edit.add(back).withReaddForgotten(true));
            assertThat(r.added()).isEqualTo(1);
            assertThat(s.data().rowOf(id)).isEqualTo(s.data().rows() - 1);
            assertThat(s.wasForgotten(id)).isTrue();
            // the re-added sample can be forgotten again, then the model is the one trained without it
            updater(s).forget(ForgetRequest.ofIds(id));
            assertThat(s.model().digest()).isEqualTo(SmallModels.train(SmallModels.config(7), new Dataset[] {split[0],
                    split[1].select(java.util.stream.IntStream.range(0, PRIVATE).filter(row -> split[1].id(row) != id)
                            .toArray(), "without")}).model().digest());
        }
    }

    @Test
    void samplesThatDoNotFitTheModelAreRefusedNamingTheProblem() {
        long id = extra.id(0);
        assertThat(refused(Edit.add(samples(new long[] {id}, new int[] {0}, new float[5])), LegoNetException.class))
                .hasMessageContaining("5 features").hasMessageContaining("takes 6");
        assertThat(refused(Edit.add(samples(new long[] {id}, new int[] {3}, new float[6])), LegoNetException.class))
                .hasMessageContaining("sample id " + id).hasMessageContaining("label 3");
        float[] nan = new float[6];
        nan[2] = Float.NaN;
        assertThat(refused(Edit.add(samples(new long[] {id}, new int[] {0}, nan)), LegoNetException.class))
                .hasMessageContaining("sample id " + id).hasMessageContaining("non-finite");
    }

    @Test
    void aChangeComputedFromAnOlderGenerationIsRefusedAsStale() {
        Map<String, byte[]> before;
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            Step step = new Updater(1, Progress.NONE).step(s.model(), s.data(), Unlearner.history(s),
                    Edit.add(extra.slice(0, 3, "three")), null, false);
            long base = s.manifest().generation();
            updater(s).forget(ForgetRequest.ofIds(trained.data().id(1)));
            before = StoreFiles.snapshot(dir);
            assertThatThrownBy(() -> s.commit(new StoreChange(base, step.data(), step.model(), step.retrained(),
                    step.erasedRows(), step.appended(), step.record()))).isInstanceOf(StaleModelException.class)
                    .hasMessageContaining("nothing was written");
        }
        Map<String, byte[]> after = StoreFiles.snapshot(dir);
        assertThat(after.keySet()).isEqualTo(before.keySet());
        for (String f : before.keySet()) {
            assertThat(after.get(f)).as(f).isEqualTo(before.get(f));
        }
    }

    @Test
    void addedSamplesFillTheLastChunkThenNewOnesAndTheLogKeepsOnlyTheirCount() throws Exception {
        Dataset added = extra.slice(0, 1000, "thousand");
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            UpdateReport r = updater(s).update(Edit.add(added));
            assertThat(r.added()).isEqualTo(1000);
            assertThat(r.forgotten()).isZero();
            assertThat(r.committed().kind()).isEqualTo("add");
            assertThat(r.committed().added()).isEqualTo(1000);
            assertThat(r.committed().idHashes()).isEmpty();
            Manifest.PrivateEntry pe = s.manifest().privateData();
            assertThat(pe.chunks()).extracting(Manifest.ChunkEntry::rows)
                    .containsExactly(1024, 1024, 1024, 1000 - (1024 - 300));
            assertThat(pe.rows()).isEqualTo(PRIVATE + 1000);
            assertThat(pe.retained()).isEqualTo(PRIVATE + 1000);
            assertThat(s.manifest().formatVersion()).isEqualTo(Manifest.VERSION);
            assertThat(s.data().balanceRatio()).isGreaterThanOrEqualTo(1.0);
        }
        byte[] log = Files.readAllBytes(dir.resolve("deletions.jsonl"));
        assertThat(new String(log, StandardCharsets.UTF_8)).contains("\"added\":1000");
        byte[] idBytes = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(added.id(500))
                .array();
        assertThat(StoreFiles.contains(log, idBytes)).isFalse();
        assertThat(new String(log, StandardCharsets.UTF_8)).doesNotContain(Long.toString(added.id(500)));
        Dataset everything = concat(split[1], added);
        Trained scratch = SmallModels.train(SmallModels.config(7), new Dataset[] {split[0], everything});
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            assertThat(s.model().digest()).isEqualTo(scratch.model().digest());
            assertThat(s.readRaw(Progress.NONE).fingerprint()).isEqualTo(everything.fingerprint());
            ChangeRecord rec = s.deletions().get(0);
            assertThat(rec.kind()).isEqualTo("add");
        }
    }

    @Test
    void anEditThatAddsAndForgetsIsOneCommitAndAnAddedSampleItForgetsIsNeverStored() throws Exception {
        Dataset added = extra.slice(0, 5, "five");
        long gone = trained.data().id(2000);
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            UpdateReport r = updater(s).update(new Edit(added, ForgetRequest.ofIds(gone, added.id(1)), false));
            assertThat(r.added()).isEqualTo(5);
            assertThat(r.forgotten()).isEqualTo(2);
            assertThat(r.committed().kind()).isEqualTo("ids");
            assertThat(r.committed().idHashes()).hasSize(2);
            assertThat(s.deletions()).hasSize(1);
            assertThat(s.wasForgotten(added.id(1))).isTrue();
            assertThat(s.manifest().privateData().rows()).isEqualTo(PRIVATE + 5);
            assertThat(s.manifest().deletions().samples()).isEqualTo(2);
        }
        byte[] idBytes = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(added.id(1))
                .array();
        for (Map.Entry<String, byte[]> f : StoreFiles.snapshot(dir).entrySet()) {
            assertThat(StoreFiles.contains(f.getValue(), idBytes)).as(f.getKey()).isFalse();
        }
        Dataset kept = concat(split[1].select(java.util.stream.IntStream.range(0, PRIVATE)
                .filter(r -> split[1].id(r) != gone).toArray(), "kept"), added.select(new int[] {0, 2, 3, 4}, "kept"));
        Trained scratch = SmallModels.train(SmallModels.config(7), new Dataset[] {split[0], kept});
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            assertThat(s.model().digest()).isEqualTo(scratch.model().digest());
            VerifyReport v = new Verifier(2, Progress.NONE).verify(s, false);
            assertThat(v.exact()).as(v.problems().toString()).isTrue();
        }
    }

    @Test
    void aModelUpdatedInMemoryIsSavedWithItsRetainedRowsInRowOrder() {
        Dataset added = extra.slice(0, 40, "forty");
        long gone = trained.data().id(10);
        Updater.History none = new Updater.History() {
            @Override
            public boolean wasForgotten(long id) {
                return false;
            }

            @Override
            public String hashId(long id) {
                return SmallModels.ID_KEY.hashId("00000000000000000000000000000000", id);
            }
        };
        Step step = new Updater(2, Progress.NONE).step(trained.model(), trained.data(), none,
                new Edit(added, ForgetRequest.ofIds(gone, added.id(0)), false), null, false);
        assertThat(step.data().rows()).isEqualTo(PRIVATE + 39);
        // raw samples of every row (the forgotten one included), or of the retained rows only
        Dataset everyRow = concat(split[1], step.appended());
        Dataset retainedOnly = everyRow.select(step.data().retainedRows(), "retained");
        for (Dataset raw : List.of(everyRow, retainedOnly)) {
            Path saved = tmp.resolve("saved-" + raw.size());
            ModelStore.create(saved, new Trained(step.model(), step.data(), raw, trained.stats()),
                    SmallModels.info(split), SmallModels.ID_KEY, false, Progress.NONE);
            try (ModelStore s = ModelStore.open(saved, false, SmallModels.ID_KEY)) {
                assertThat(s.model().digest()).isEqualTo(step.model().digest());
                assertThat(s.manifest().privateData().rows()).isEqualTo(PRIVATE + 38);
                assertThat(s.manifest().privateData().retained()).isEqualTo(PRIVATE + 38);
                assertThat(s.readRaw(Progress.NONE).fingerprint()).isEqualTo(retainedOnly.fingerprint());
                assertThat(s.data().rowOf(gone)).isEqualTo(-1);
                VerifyReport v = new Verifier(2, Progress.NONE).verify(s, false);
                assertThat(v.exact()).as(v.problems().toString()).isTrue();
            }
        }
        assertThatThrownBy(() -> ModelStore.create(tmp.resolve("bad"), new Trained(step.model(), step.data(),
                split[1], trained.stats()), SmallModels.info(split), SmallModels.ID_KEY, false, Progress.NONE))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static Dataset concat(Dataset a, Dataset b) {
        long[] ids = new long[a.size() + b.size()];
        int[] labels = new int[ids.length];
        float[] x = new float[ids.length * a.dim()];
        for (int i = 0; i < a.size(); i++) {
            ids[i] = a.id(i);
            labels[i] = a.label(i);
            a.copyRow(i, x, i * a.dim());
        }
        for (int i = 0; i < b.size(); i++) {
            ids[a.size() + i] = b.id(i);
            labels[a.size() + i] = b.label(i);
            b.copyRow(i, x, (a.size() + i) * a.dim());
        }
        return new Dataset(a.name(), ids, labels, x, a.sampleShape());
    }

    /**
     * The acceptance check, on the bundled Fashion-MNIST sample: a model trained on the
     * first 3,000 private rows, then given the remaining rows by add, has the digest of the model
     * trained on all of them; committed to a store (raw bytes), it reads back and verifies EXACT.
     */
    @Test
    void aModelGivenTheRestOfItsRowsByAddIsTheModelTrainedOnAllOfThem() {
        Dataset train = TestData.fashionMnistTrainSlice(4000);
        Dataset pub = train.slice(0, 500, "public");
        Dataset priv = train.slice(500, 4000, "private");
        Dataset first = priv.slice(0, 3000, "first 3000");
        Dataset rest = priv.slice(3000, priv.size(), "the rest");
        ModelConfig config = ModelConfig.defaults().withEncoder("identity").withShape(8, 2)
                .withAdapter(AdapterSpec.parse("linear")).withRouting(KeyMethod.KMEANS, Distance.L2, true,
                        Aggregate.MEAN).withTraining(Optimizer.ADAM, 1, 32, 0.01f, true, 0.9f, 1e-4f).withSeed(3);
        // one encoder fit for both models (the encoder depends on the public split only)
        LegoNetTrainer trainer = new LegoNetTrainer(config, 2, Progress.NONE);
        LegoNetTrainer.Encoded e = trainer.encode(pub, priv);
        int dim = e.encoder().outputDim();
        Trained all = trainer.train(e);
        Trained part = trainer.train(new LegoNetTrainer.Encoded(e.encoder(), pub, e.publicEncodings(), first,
                java.util.Arrays.copyOf(e.privateEncodings(), first.size() * dim), 0, 0));
        assertThat(part.model().digest()).isNotEqualTo(all.model().digest());
        Path fm = tmp.resolve("fashion");
        ModelStore.create(fm, part, SmallModels.info(new Dataset[] {pub, first}), SmallModels.ID_KEY, false, Progress.NONE);

        Updater.History none = new Updater.History() {
            @Override
            public boolean wasForgotten(long id) {
                return false;
            }

            @Override
            public String hashId(long id) {
                return SmallModels.ID_KEY.hashId("00000000000000000000000000000000", id);
            }
        };
        Step step = new Updater(2, Progress.NONE).step(part.model(), part.data(), none, Edit.add(rest), null, false);
        assertThat(step.model().digest()).isEqualTo(all.model().digest());
        try (ModelStore s = ModelStore.open(fm, true, SmallModels.ID_KEY)) {
            assertThat(s.manifest().privateData().rawFormat()).isEqualTo("u8");
            // a sample a byte cannot hold is refused before anything is written
            float[] x = new float[rest.dim()];
            x[0] = 0.5f;
            Dataset fraction = new Dataset("fraction", new long[] {1L << 40}, new int[] {1}, x, rest.sampleShape());
            assertThatThrownBy(() -> updater(s).update(Edit.add(fraction))).isInstanceOf(LegoNetException.class)
                    .hasMessageContaining("sample id " + (1L << 40)).hasMessageContaining("u8");
            assertThat(s.manifest().generation()).isZero();
            updater(s).update(Edit.add(rest));
            assertThat(s.model().digest()).isEqualTo(all.model().digest());
        }
        try (ModelStore s = ModelStore.open(fm, false, SmallModels.ID_KEY)) {
            assertThat(s.model().digest()).isEqualTo(all.model().digest());
            assertThat(s.readRaw(Progress.NONE).fingerprint()).isEqualTo(priv.fingerprint());
            VerifyReport v = new Verifier(2, Progress.NONE).verify(s, false);
            assertThat(v.exact()).as(v.problems().toString()).isTrue();
        }
    }
}
