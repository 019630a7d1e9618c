package org.legonet.core.store;

import org.legonet.core.StoreException;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.data.Dataset;
import org.legonet.core.model.Trained;
import org.legonet.core.testing.SmallModels;
import org.legonet.core.ForgetRequest;
import org.legonet.core.unlearn.Unlearner;
import org.legonet.core.unlearn.Verifier;
import org.legonet.core.Progress;

/**
 * Readers isolated from commits: a reader sees one whole generation, and a commit that deletes the
 * files of the generation a reader is reading makes it read the newer one, never fail.
 */
class ReadersDuringCommitsTest {
    private static Dataset[] split;
    private static Trained trained;

    @TempDir
    Path tmp;

    @BeforeAll
    static void train() {
        split = SmallModels.blobs(400, 100, 11);
        trained = SmallModels.train(SmallModels.config(5), split);
    }

    private Path create() {
        Path dir = tmp.resolve("model");
        ModelStore.create(dir, trained, SmallModels.info(split), SmallModels.ID_KEY, false, Progress.NONE);
        return dir;
    }

    @Test
    void readersOpeningInALoopDuringForgetsNeverFailAndSeeOneGeneration() throws InterruptedException {
        Path dir = create();
        int forgets = 20;
        AtomicBoolean done = new AtomicBoolean();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger opens = new AtomicInteger();
        List<Long> generations = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> readers = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            boolean raw = t == 0;
            Thread th = new Thread(() -> {
                while (!done.get()) {
                    try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
                        if (!s.model().digest().equals(s.manifest().modelDigest())
                                || s.data().retained() != s.manifest().privateData().retained()) {
                            failures.add(new AssertionError("a mixed generation " + s.manifest().generation()));
                        }
                        if (raw) {
                            // the lazily read raw chunks: by now a commit may have deleted them
                            Dataset d = s.readRaw(Progress.NONE);
                            if (d.size() != s.data().retained()) {
                                failures.add(new AssertionError(d.size() + " raw samples for "
                                        + s.data().retained() + " retained at generation " + s.manifest().generation()));
                            }
                        }
                        generations.add(s.manifest().generation());
                        opens.incrementAndGet();
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }
            });
            th.start();
            readers.add(th);
        }
        try (ModelStore w = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            Unlearner u = new Unlearner(w, 1, Progress.NONE);
            for (int i = 0; i < forgets; i++) {
                u.forget(ForgetRequest.ofIds(w.data().id(w.data().retainedRows()[0])));
            }
        } finally {
            // the readers go on until one of them has opened the last generation (or 30 s pass):
            // stopping them right after the last commit could leave it unseen
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            while (!generations.contains((long) forgets) && failures.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            done.set(true);
            for (Thread th : readers) {
                th.join();
            }
        }
        assertThat(failures).isEmpty();
        assertThat(opens.get()).isGreaterThan(forgets);
        assertThat(generations).contains((long) forgets);
        assertThat(generations.stream().distinct().count()).as("generations the readers saw").isGreaterThan(2);
    }

    @Test
    void aReaderWhoseGenerationWasSupersededReadsTheNewerOne() {
        Path dir = create();
        try (ModelStore reader = ModelStore.open(dir, false, SmallModels.ID_KEY); ModelStore writer = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            long id = writer.data().id(writer.data().retainedRows()[0]);
            new Unlearner(writer, 1, Progress.NONE).forget(ForgetRequest.ofIds(id));
            assertThat(reader.manifest().generation()).isZero();
            Dataset raw = reader.readRaw(Progress.NONE);
            assertThat(reader.manifest().generation()).isEqualTo(1);
            assertThat(reader.model().digest()).isEqualTo(writer.model().digest());
            assertThat(raw.size()).isEqualTo(writer.data().retained());
            assertThat(raw.ids()).doesNotContain(id);
            // verify pairs the samples with the model of their generation
            new Unlearner(writer, 1, Progress.NONE).forget(ForgetRequest.ofIds(writer.data().id(
                    writer.data().retainedRows()[0])));
            assertThat(new Verifier(1, Progress.NONE).verify(reader, false).exact()).isTrue();
            assertThat(reader.manifest().generation()).isEqualTo(2);
        }
    }

    @Test
    void damageUnderAnUnchangedManifestIsReportedAtOnce() throws java.io.IOException {
        Path dir = create();
        try (ModelStore reader = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            String raw = reader.manifest().privateData().chunks().get(0).raw().file();
            java.nio.file.Files.delete(dir.resolve(raw));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> reader.readRaw(Progress.NONE))
                    .isInstanceOf(StoreException.class).hasMessageContaining(raw).hasMessageContaining("missing");
            assertThat(reader.manifest().generation()).isZero();
        }
    }
}
