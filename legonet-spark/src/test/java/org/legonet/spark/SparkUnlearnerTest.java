package org.legonet.spark;

import org.legonet.core.testing.SmallModels;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.Edit;
import org.legonet.core.ForgetRequest;
import org.legonet.core.LegoNet;
import org.legonet.core.Progress;
import org.legonet.core.UnknownIdsException;
import org.legonet.core.UpdateReport;
import org.legonet.core.VerifyReport;
import org.legonet.core.data.Dataset;
import org.legonet.core.store.ModelStore;
import org.legonet.core.testing.Synthetic;

/**
 * Forgets and adds with the adapters retrained on Spark local[2] leave the model directory exactly
 * as the facade's in-process update does: the same adapters retrained, the same model digest and
 * adapter digests, and a model that verifies, in process and with its adapters rebuilt on Spark.
 */
class SparkUnlearnerTest {
    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = Fixture.localSpark("legonet-spark-unlearner-test");
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.stop();
        }
    }

    private static final LegoNet.Options KEYED = LegoNet.Options.defaults().withThreads(2)
            .withIdKey(SmallModels.ID_KEY);

    /** Two copies of the in-process model: one for the facade, one for Spark. */
    static Path[] twoCopies(Path tmp) {
        Path a = tmp.resolve("in-process");
        Path b = tmp.resolve("spark");
        try (LegoNet net = LegoNet.train(Fixture.CONFIG, Fixture.PUBLIC, Fixture.PRIVATE, KEYED, null)) {
            net.save(a);
            net.save(b);
        }
        return new Path[] {a, b};
    }

    static List<String> adapterDigests(Path dir) {
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            List<String> out = new ArrayList<>();
            for (int j = 0; j < s.model().adapterCount(); j++) {
                out.add(s.model().adapter(j).digest());
            }
            return out;
        }
    }

    /** Applies {@code edit} with the facade to {@code a} and on Spark to {@code b}, and compares the two. */
    static void sameUpdate(JavaSparkContext sc, Path a, Path b, Edit edit) {
        UpdateReport expected;
        try (LegoNet net = LegoNet.openForUpdate(a, KEYED)) {
            LegoNet.Update u = net.apply(edit);
            expected = u.report();
            u.commit();
        }
        UpdateReport r = SparkUnlearner.update(sc, b, SmallModels.ID_KEY, edit, 2, Progress.NONE);
        assertThat(r.adaptersRetrained()).isNotEmpty().isEqualTo(expected.adaptersRetrained());
        assertThat(r.samplesRetrained()).isEqualTo(expected.samplesRetrained());
        assertThat(r.digestBefore()).isEqualTo(expected.digestBefore());
        assertThat(r.digestAfter()).isNotEqualTo(r.digestBefore()).isEqualTo(expected.digestAfter());
        assertThat(adapterDigests(b)).isEqualTo(adapterDigests(a));
        try (LegoNet net = LegoNet.open(b)) {
            assertThat(net.digest()).isEqualTo(expected.digestAfter());
            assertThat(net.verify().provenExact()).isTrue();
        }
        VerifyReport v = SparkVerifier.verify(sc, b, 2, Progress.NONE);
        assertThat(v.provenExact()).as("verified on Spark: %s", v.problems()).isTrue();
        assertThat(v.rebuiltDigest()).isEqualTo(expected.digestAfter());
    }

    @Test
    void aForgetOnSparkEqualsTheFacadesForget(@TempDir Path tmp) {
        Path[] d = twoCopies(tmp);
        long[] ids = {Fixture.PRIVATE.id(5), Fixture.PRIVATE.id(100), Fixture.PRIVATE.id(401)};
        sameUpdate(sc, d[0], d[1], Edit.forget(ForgetRequest.ofIds(ids)));
        try (LegoNet net = LegoNet.open(d[1], KEYED)) {
            assertThat(net.holds(ids[0]) || net.holds(ids[1]) || net.holds(ids[2])).isFalse();
            assertThat(net.wasForgotten(ids[1])).isTrue();
        }
    }

    @Test
    void aClassForgetAndThenAnAddOnSparkEqualTheFacades(@TempDir Path tmp) {
        Path[] d = twoCopies(tmp);
        sameUpdate(sc, d[0], d[1], Edit.forget(ForgetRequest.ofClass(2)));
        Dataset added = Synthetic.blobs(40, 8, 4, 7, 900_000);
        sameUpdate(sc, d[0], d[1], Edit.add(added));
    }

    @Test
    void aForgetWithRouteHidingCoverOnSparkRetrainsKPlusCAndEqualsTheFacades(@TempDir Path tmp) {
        Path a = tmp.resolve("in-process");
        Path b = tmp.resolve("spark");
        try (LegoNet net = LegoNet.train(Fixture.CONFIG.withCover(2), Fixture.PUBLIC, Fixture.PRIVATE, KEYED, null)) {
            net.save(a);
            net.save(b);
        }
        Edit edit = Edit.forget(ForgetRequest.ofIds(Fixture.PRIVATE.id(17)));
        UpdateReport expected;
        try (LegoNet net = LegoNet.openForUpdate(a, KEYED)) {
            LegoNet.Update u = net.apply(edit);
            expected = u.report();
            u.commit();
        }
        UpdateReport r = SparkUnlearner.update(sc, b, SmallModels.ID_KEY, edit, 2, Progress.NONE);
        // the cover depends on the directory's id-hash salt, its size and the model do not
        assertThat(r.adaptersRetrained()).hasSize(3 + 2).hasSameSizeAs(expected.adaptersRetrained());
        assertThat(r.cover()).isEqualTo(2);
        assertThat(r.digestAfter()).isEqualTo(expected.digestAfter());
        assertThat(adapterDigests(b)).isEqualTo(adapterDigests(a));
        VerifyReport v = SparkVerifier.verify(sc, b, 2, Progress.NONE);
        assertThat(v.provenExact()).as("verified on Spark: %s", v.problems()).isTrue();
    }

    @Test
    void anUnknownIdChangesNothing(@TempDir Path tmp) {
        Path[] d = twoCopies(tmp);
        String before = adapterDigests(d[1]).toString();
        assertThatThrownBy(() -> SparkUnlearner.forget(sc, d[1], SmallModels.ID_KEY, ForgetRequest.ofIds(7L), 2, Progress.NONE))
                .isInstanceOf(UnknownIdsException.class);
        assertThat(adapterDigests(d[1]).toString()).isEqualTo(before);
    }
}
