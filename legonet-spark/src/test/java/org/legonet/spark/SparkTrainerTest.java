package org.legonet.spark;

import org.legonet.core.testing.SmallModels;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.legonet.core.InvalidSettingException;
import org.legonet.core.LegoNet;
import org.legonet.core.LegoNetException;
import org.legonet.core.Progress;
import org.legonet.core.data.Dataset;

/**
 * Spark local[2] against the in-process engine: the same model digest and the same digest for
 * every adapter, whatever the partitioning and order of the private samples.
 */
class SparkTrainerTest {
    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = Fixture.localSpark("legonet-spark-test");
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.stop();
        }
    }

    private static SparkModel train(JavaRDD<Sample> samples) {
        return new SparkTrainer(Fixture.CONFIG, 2, Progress.NONE).train(sc, Fixture.PUBLIC, samples);
    }

    @Test
    void theFacadeTrainsTheReferenceModel() {
        try (LegoNet net = LegoNet.train(Fixture.CONFIG, Fixture.PUBLIC, Fixture.PRIVATE)) {
            assertThat(net.digest()).isEqualTo(Fixture.IN_PROCESS.digest());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 7})
    void anyPartitioningGivesTheInProcessModelBitForBit(int partitions) {
        try (SparkModel m = train(SparkTrainer.samples(sc, Fixture.PRIVATE, partitions))) {
            assertThat(m.adapterDigests()).isEqualTo(Fixture.IN_PROCESS.adapterDigests());
            assertThat(m.digest()).isEqualTo(Fixture.IN_PROCESS.digest());
        }
    }

    @Test
    void aShuffledInputOrderGivesTheInProcessModelBitForBit() {
        List<Integer> order = new ArrayList<>();
        for (int r = 0; r < Fixture.PRIVATE.size(); r++) {
            order.add(r);
        }
        Collections.shuffle(order, new Random(3));
        int[] rows = order.stream().mapToInt(Integer::intValue).toArray();
        Dataset shuffled = Fixture.PRIVATE.select(rows, "shuffled");
        try (SparkModel m = train(SparkTrainer.samples(sc, shuffled, 5))) {
            assertThat(m.adapterDigests()).isEqualTo(Fixture.IN_PROCESS.adapterDigests());
            assertThat(m.digest()).isEqualTo(Fixture.IN_PROCESS.digest());
        }
    }

    @Test
    void theSavedModelOpensWithTheSameDigestAndVerifiesExact(@TempDir Path tmp) {
        Path dir = tmp.resolve("model");
        try (SparkModel m = train(SparkTrainer.samples(sc, Fixture.PRIVATE, 3))) {
            m.save(dir, false, null, SmallModels.ID_KEY);
        }
        try (LegoNet net = LegoNet.open(dir)) {
            assertThat(net.digest()).isEqualTo(Fixture.IN_PROCESS.digest());
            assertThat(net.retainedIds()).containsExactly(Fixture.PRIVATE.ids());
            assertThat(net.verify().provenExact()).isTrue();
        }
    }

    @Test
    void anIdGivenTwiceIsRefusedAsInProcess() {
        Dataset twice = Fixture.PRIVATE.select(new int[] {0, 1, 2, 1}, "twice");
        assertThatThrownBy(() -> train(SparkTrainer.samples(sc, twice, 2)))
                .isInstanceOf(LegoNetException.class).hasMessageContaining("id " + Fixture.PRIVATE.id(1)
                        + " appears more than once");
    }

    @Test
    void aLabelOutsideThePublicLabelSetIsRefused() {
        Dataset bad = new Dataset("bad", new long[] {1, 2}, new int[] {0, 9}, new float[16], new int[] {8});
        assertThatThrownBy(() -> train(SparkTrainer.samples(sc, bad, 2)))
                .isInstanceOf(InvalidSettingException.class).hasMessageContaining("sample id 2 has label 9");
    }
}
