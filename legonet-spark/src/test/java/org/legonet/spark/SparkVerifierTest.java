package org.legonet.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.LegoNet;
import org.legonet.core.Progress;
import org.legonet.core.VerifyReport;
import org.legonet.core.adapter.Adapter;
import org.legonet.core.adapter.AdapterTrainer;
import org.legonet.core.model.LegoNetTrainer;
import org.legonet.core.model.PrivateSet;
import org.legonet.core.store.ModelStore;
import org.legonet.core.store.StoreFiles;

/**
 * {@link SparkVerifier} on a model of three raw chunks (one task each encodes and routes one): the
 * verdict of core's verifier, EXACT for an honest model, and a tampered adapter found, as core's
 * {@code UnlearnerTest} finds it in process.
 */
class SparkVerifierTest {
    private static JavaSparkContext sc;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        sc = Fixture.localSpark("legonet-spark-verify-test");
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.stop();
        }
    }

    private Path saved() {
        Path dir = tmp.resolve("model");
        try (LegoNet net = LegoNet.train(Fixture.CONFIG, SparkModelSaveTest.PUBLIC, SparkModelSaveTest.PRIVATE)) {
            net.save(dir);
        }
        return dir;
    }

    @Test
    void anHonestModelIsProvenExact() {
        Path dir = saved();
        VerifyReport v = SparkVerifier.verify(sc, dir, 2, Progress.NONE);
        assertThat(v.provenExact()).isTrue();
        assertThat(v.samples()).isEqualTo(SparkModelSaveTest.PRIVATE.size());
        assertThat(v.encodingsMatch()).isTrue();
        assertThat(v.routesMatch()).isTrue();
        try (LegoNet net = LegoNet.open(dir)) {
            assertThat(v.rebuiltDigest()).isEqualTo(net.digest());
        }
    }

    @Test
    void anAdapterTrainedWithAnotherSeedIsFound() {
        Path dir = saved();
        int j = 4;
        Adapter forged;
        try (ModelStore s = ModelStore.open(dir, false)) {
            PrivateSet data = s.data();
            AdapterTrainer trainer = LegoNetTrainer.adapterTrainer(s.model().config());
            assertThat(data.size(j)).isPositive();
            // right samples, wrong seed
            forged = trainer.train(j, 12345L, data.trainingSet(j, s.model().classes()));
        }
        StoreFiles.replaceAdapter(dir, forged);
        VerifyReport v = SparkVerifier.verify(sc, dir, 2, Progress.NONE);
        assertThat(v.exact()).isFalse();
        assertThat(v.differing()).containsExactly(j);
        assertThat(v.encodingsMatch()).isTrue();
        assertThat(v.routesMatch()).isTrue();
        try (LegoNet net = LegoNet.open(dir)) {
            VerifyReport local = net.verify();
            assertThat(local.differing()).isEqualTo(v.differing());
            assertThat(local.rebuiltDigest()).isEqualTo(v.rebuiltDigest());
        }
    }
}
