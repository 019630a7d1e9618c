package org.legonet.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.legonet.core.data.Dataset;
import org.legonet.core.testing.SmallModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The library facade: train, predict, forget, save, open, commit and verify through {@link LegoNet} alone. */
class LegoNetTest {
    private static final LegoNet.Options OPTIONS = new LegoNet.Options(2, Progress.NONE, SmallModels.ID_KEY);

    @TempDir
    Path tmp;

    private static Dataset[] split() {
        return SmallModels.blobs(400, 100, 7);
    }

    /** Training from scratch on the private samples without {@code gone}: the reference every update must equal. */
    private static String digestWithout(Dataset[] split, long... gone) {
        Dataset priv = split[1];
        int[] keep = java.util.stream.IntStream.range(0, priv.size())
                .filter(r -> Arrays.stream(gone).noneMatch(id -> id == priv.id(r))).toArray();
        try (LegoNet ref = LegoNet.train(SmallModels.config(3), split[0], priv.select(keep, "retained"), OPTIONS, null)) {
            return ref.digest();
        }
    }

    @Test
    void aForgetInMemoryEqualsTrainingFromScratchAndTouchesNoFile() throws IOException {
        Dataset[] split = split();
        long a = split[1].id(3);
        long b = split[1].id(40);
        try (LegoNet net = LegoNet.train(SmallModels.config(3), split[0], split[1], OPTIONS, null)) {
            String before = net.digest();
            LegoNet.Update u = net.forget(a, b);
            assertThat(u.report().forgotten()).isEqualTo(2);
            assertThat(u.next().digest()).isEqualTo(digestWithout(split, a, b)).isNotEqualTo(before);
            assertThat(net.digest()).as("the snapshot it was computed from is unchanged").isEqualTo(before);
            assertThat(u.next().holds(a)).isFalse();
            assertThat(net.holds(a)).isTrue();
            assertThat(u.next().verify().provenExact()).isTrue();
            assertThatThrownBy(u::commit).isInstanceOf(IllegalStateException.class).hasMessageContaining("save");
        }
        try (Stream<Path> files = Files.list(tmp)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void savedThenUpdatedThroughTheDirectoryStaysExactAndSurvivesReopening() {
        Dataset[] split = split();
        Path dir = tmp.resolve("model");
        long a = split[1].id(5);
        long b = split[1].id(77);
        try (LegoNet net = LegoNet.train(SmallModels.config(3), split[0], split[1], OPTIONS, DataSource.of("blobs"))) {
            net.save(dir);
        }
        String after;
        try (LegoNet net = LegoNet.openForUpdate(dir, OPTIONS)) {
            assertThat(net.updatable()).isTrue();
            LegoNet once = net.forget(a).commit();
            LegoNet twice = once.forget(b).commit();
            after = twice.digest();
            assertThat(twice.info().generation()).isEqualTo(2);
            assertThat(twice.info().updates()).isEqualTo(2);
            assertThat(twice.history()).hasSize(2);
            assertThat(twice.wasForgotten(a)).isTrue();
            assertThat(twice.verify().provenExact()).isTrue();
            assertThat(twice.forget(a).report().alreadyForgotten()).isEqualTo(1);
            assertThatThrownBy(() -> net.forget(split[1].id(9)).commit()).as("computed from a replaced generation")
                    .isInstanceOf(StaleModelException.class);
        }
        assertThat(after).isEqualTo(digestWithout(split, a, b));
        try (LegoNet reopened = LegoNet.open(dir, OPTIONS)) {
            assertThat(reopened.digest()).isEqualTo(after);
            assertThat(reopened.info().dataset()).isEqualTo("blobs");
            assertThat(reopened.verify().provenExact()).isTrue();
            assertThatThrownBy(() -> reopened.forget(split[1].id(9)).commit()).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("read-only");
        }
    }

    @Test
    void anUpdateComputedFromAnUncommittedOneCommitsThatOneFirst() {
        Dataset[] split = split();
        Path dir = tmp.resolve("model");
        try (LegoNet net = LegoNet.train(SmallModels.config(3), split[0], split[1], OPTIONS, null)) {
            net.save(dir);
        }
        long a = split[1].id(1);
        long b = split[1].id(2);
        try (LegoNet net = LegoNet.openForUpdate(dir, OPTIONS)) {
            LegoNet.Update first = net.forget(a);
            LegoNet.Update second = first.next().forget(b);
            assertThatThrownBy(() -> first.next().verify()).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("commit");
            LegoNet committed = second.commit();
            assertThat(committed.history()).hasSize(2);
            assertThat(first.commit()).as("already committed: the same snapshot each time").isSameAs(first.commit())
                    .isNotSameAs(committed);
            assertThat(committed.digest()).isEqualTo(digestWithout(split, a, b));
        }
    }

    @Test
    void badRequestsAreTypedAndChangeNothing() {
        Dataset[] split = split();
        try (LegoNet net = LegoNet.train(SmallModels.config(3), split[0], split[1], OPTIONS, null)) {
            String before = net.digest();
            assertThatThrownBy(() -> net.forget(-5L)).isInstanceOf(UnknownIdsException.class)
                    .satisfies(e -> assertThat(((UnknownIdsException) e).ids()).containsExactly(-5L));
            assertThatThrownBy(() -> net.forget(split[0].id(0))).as("a public sample").isInstanceOf(UnknownIdsException.class);
            assertThatThrownBy(() -> net.forgetClass(99)).isInstanceOf(UnknownClassException.class);
            assertThatThrownBy(() -> net.predict(new float[][] {{1, 2}})).isInstanceOf(LegoNetException.class)
                    .hasMessageContaining("features");
            assertThatThrownBy(() -> new LegoNet.Options(0, Progress.NONE)).isInstanceOf(InvalidSettingException.class)
                    .satisfies(e -> assertThat(((InvalidSettingException) e).setting()).isEqualTo("threads"));
            assertThat(net.digest()).isEqualTo(before);
        }
    }

    @Test
    void predictionsNameTheirModelAndRoute() {
        Dataset[] split = split();
        try (LegoNet net = LegoNet.train(SmallModels.config(3), split[0], split[1], OPTIONS, null)) {
            Predictions p = net.predict(split[0]);
            assertThat(p.size()).isEqualTo(split[0].size());
            assertThat(p.modelDigest()).isEqualTo(net.digest());
            assertThat(p.adapters(0)).hasSize(2);
            assertThat(Arrays.stream(p.adapters(0)).allMatch(j -> j >= 0 && j < 5)).isTrue();
            float sum = 0;
            for (float v : p.probabilities(0)) {
                sum += v;
            }
            assertThat(sum).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-4f));
            assertThat(net.evaluate(split[0]).accuracy()).isGreaterThan(0.5);
        }
    }

    @Test
    void closingTheSessionStopsEverySnapshot() {
        Dataset[] split = split();
        LegoNet net = LegoNet.train(SmallModels.config(3), split[0], split[1], OPTIONS, null);
        LegoNet next = net.forget(split[1].id(0)).next();
        next.close();
        assertThatThrownBy(() -> net.predict(split[0])).isInstanceOf(IllegalStateException.class);
        net.close(); // twice: nothing
    }

    @Test
    void aDirectoryAnotherWriterHoldsIsLockedAndAnExistingTargetIsRefused() {
        Dataset[] split = split();
        Path dir = tmp.resolve("model");
        try (LegoNet net = LegoNet.train(SmallModels.config(3), split[0], split[1], OPTIONS, null)) {
            net.save(dir);
            assertThatThrownBy(() -> net.save(dir)).isInstanceOf(TargetExistsException.class);
        }
        try (LegoNet writer = LegoNet.openForUpdate(dir, OPTIONS)) {
            assertThatThrownBy(() -> LegoNet.openForUpdate(dir, OPTIONS)).isInstanceOf(ModelLockedException.class);
            try (LegoNet reader = LegoNet.open(dir, OPTIONS)) {
                assertThat(reader.digest()).isEqualTo(writer.digest());
            }
        }
    }

    @Test
    void aModelTrainedOnTheFirst6000RowsAndGivenTheRestByAddEqualsOneTrainedOnAllRows() {
        // the acceptance check, literally: 8,000 rows, the first 1,000 public
        Dataset all = org.legonet.core.testing.Synthetic.blobs(8000, 6, 3, 11, 1000);
        Dataset pub = all.slice(0, 1000, "public");
        ModelConfig config = SmallModels.config(5);
        String grown;
        Path dir = tmp.resolve("grown");
        try (LegoNet first = LegoNet.train(config, pub, all.slice(1000, 6000, "first 6,000 rows"), OPTIONS, null)) {
            first.save(dir);
        }
        try (LegoNet net = LegoNet.openForUpdate(dir, OPTIONS)) {
            LegoNet after = net.add(all.slice(6000, 8000, "the remaining rows")).commit();
            assertThat(after.lastUpdate().added()).isEqualTo(2000);
            assertThat(after.verify().provenExact()).isTrue();
            grown = after.digest();
        }
        try (LegoNet whole = LegoNet.train(config, pub, all.slice(1000, 8000, "all rows"), OPTIONS, null)) {
            assertThat(grown).isEqualTo(whole.digest());
        }
    }

    @Test
    void addsInMemoryAndThroughTheDirectoryRefuseConflictsAndStayExact() {
        Dataset[] split = SmallModels.blobs(500, 100, 9);
        Dataset priv = split[1].slice(0, 300, "private");
        Dataset later = split[1].slice(300, 400, "later");
        Path dir = tmp.resolve("model");
        try (LegoNet net = LegoNet.train(SmallModels.config(3), split[0], priv, OPTIONS, null)) {
            LegoNet.Update u = net.add(later);
            assertThat(u.report().added()).isEqualTo(100);
            assertThat(u.next().holds(later.id(0))).isTrue();
            assertThat(u.next().verify().provenExact()).isTrue();
            assertThatThrownBy(() -> u.next().add(later.slice(0, 1, "again"))).isInstanceOf(IdConflictException.class)
                    .satisfies(e -> assertThat(((IdConflictException) e).reason()).isEqualTo(IdConflictException.Reason.HELD));
            u.next().save(dir);
        }
        long gone = later.id(5);
        try (LegoNet net = LegoNet.openForUpdate(dir, OPTIONS)) {
            assertThat(net.info().retained()).isEqualTo(400);
            LegoNet forgot = net.forget(gone).commit();
            assertThatThrownBy(() -> forgot.add(later.slice(5, 6, "back"))).isInstanceOf(IdConflictException.class)
                    .satisfies(e -> assertThat(((IdConflictException) e).reason())
                            .isEqualTo(IdConflictException.Reason.FORGOTTEN));
            LegoNet back = forgot.apply(Edit.add(later.slice(5, 6, "back")).withReaddForgotten(true)).commit();
            assertThat(back.holds(gone)).isTrue();
            assertThat(back.verify().provenExact()).isTrue();
            assertThat(back.info().samplesAdded()).isEqualTo(1);
        }
    }
}
