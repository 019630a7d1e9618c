package org.legonet.dl.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.legonet.core.LegoNetException;
import org.legonet.core.data.Dataset;
import org.legonet.core.testing.TestData;
import org.legonet.core.Progress;
import org.legonet.dl.cnn.CnnNetwork;
import org.legonet.dl.cnn.CnnSpec;
import org.legonet.dl.cnn.CnnWeights;

/**
 * SISA on real Fashion-MNIST with a tiny end-to-end CNN: shards and slices partition the data; a removal
 * retrains only the shard holding the sample, from the checkpoint before the sample's slice, and leaves
 * every other shard's weights and checkpoints as they were; an unknown id changes nothing; and the two
 * aggregation rules.
 */
class SisaTest {
    static final CnnSpec SPEC = CnnSpec.parse("cnn:channels=3:dim=8:epochs=2:batch=40:augment=off:dropout=0");
    static final int SHARDS = 3;
    static final int SLICES = 3;
    private static Dataset data;
    private static float[] stats;

    @BeforeAll
    static void data() {
        data = TestData.fashionMnistTrainSlice(150);
        stats = CnnNetwork.inputStats(data);
    }

    private static Sisa sisa() {
        return new Sisa(SPEC, data, 10, stats, SHARDS, SLICES, 11);
    }

    @Test
    void shardsAndSlicesPartitionTheData() {
        Sisa s = sisa();
        assertThat(s.stageEpochs()).isEqualTo(1); // round(2 * 2 / (3 + 1))
        int[] seen = new int[data.size()];
        for (int i = 0; i < SHARDS; i++) {
            int size = 0;
            for (int j = 0; j < SLICES; j++) {
                int[] rows = s.sliceRows(i, j);
                assertThat(rows.length).isBetween(16, 17); // 150 / 9, balanced
                size += rows.length;
                for (int r : rows) {
                    seen[r]++;
                    assertThat(s.shardOf(data.id(r))).isEqualTo(i);
                }
            }
            assertThat(size).isEqualTo(50);
        }
        assertThat(seen).as("every sample in exactly one slice of one shard").containsOnly(1);
        assertThat(s.shardOf(-5)).isEqualTo(-1);
        // the partition is random (seeded), not the row order
        assertThat(s.sliceRows(0, 0)).isNotEqualTo(Arrays.copyOfRange(Probabilities.allRows(data), 0, 16));
        assertThat(new Sisa(SPEC, data, 10, stats, SHARDS, SLICES, 11).sliceRows(1, 2)).containsExactly(s.sliceRows(1, 2));
        assertThatThrownBy(() -> new Sisa(SPEC, data, 10, stats, 0, 2, 1)).isInstanceOf(LegoNetException.class);
        assertThatThrownBy(() -> new Sisa(SPEC, data.slice(0, 5, "five"), 10, stats, 3, 2, 1))
                .isInstanceOf(LegoNetException.class).hasMessageContaining("needs at least 6 samples");
    }

    @Test
    void aRemovalRetrainsOnlyItsShardFromTheCheckpointBeforeItsSlice() {
        Sisa s = sisa();
        s.train(Progress.NONE);
        // a sample in the last slice of shard 1: stages 0 and 1 are untouched, stage 2 runs again
        long lastSliceId = data.id(s.sliceRows(1, 2)[4]);
        Snapshot before = new Snapshot(s);
        Sisa.Removal r = s.forget(new long[] {lastSliceId}, Progress.NONE);
        assertThat(r.shards()).containsExactly(1);
        assertThat(r.shardsRetrained()).isEqualTo(1);
        assertThat(r.samplePasses()).isEqualTo(passes(s, 1, 2));
        assertThat(s.shardOf(lastSliceId)).isEqualTo(-1);
        assertThat(s.sliceRows(1, 2)).hasSize(before.rows[1][2].length - 1).doesNotContain(data.rowOf(lastSliceId));
        before.assertShardUnchanged(s, 0);
        before.assertShardUnchanged(s, 2);
        assertThat(s.checkpoint(1, 0)).isSameAs(before.checkpoints[1][0]);
        assertThat(s.checkpoint(1, 1)).isSameAs(before.checkpoints[1][1]);
        assertThat(s.checkpoint(1, 2)).as("the checkpoint before the affected slice").isSameAs(before.checkpoints[1][2]);
        assertThat(Arrays.deepEquals(s.checkpoint(1, 3), before.checkpoints[1][3])).isFalse();
        assertThat(s.model(1)).isNotSameAs(before.models[1]);
        assertThat(s.model(1).toBytes()).isNotEqualTo(before.models[1].toBytes());

        // a sample in the first slice of shard 0: every stage of shard 0 runs again from the initial parameters
        long firstSliceId = data.id(s.sliceRows(0, 0)[0]);
        before = new Snapshot(s);
        r = s.forget(new long[] {firstSliceId}, Progress.NONE);
        assertThat(r.shards()).containsExactly(0);
        assertThat(r.samplePasses()).isEqualTo(passes(s, 0, 0));
        assertThat(s.checkpoint(0, 0)).isSameAs(before.checkpoints[0][0]);
        for (int j = 1; j <= SLICES; j++) {
            assertThat(Arrays.deepEquals(s.checkpoint(0, j), before.checkpoints[0][j])).as("stage %d", j).isFalse();
        }
        before.assertShardUnchanged(s, 1);
        before.assertShardUnchanged(s, 2);

        // two samples of shard 2 in one request, in slices 2 and 1: one retraining, from the earlier slice
        long a = data.id(s.sliceRows(2, 2)[0]);
        long b = data.id(s.sliceRows(2, 1)[3]);
        before = new Snapshot(s);
        r = s.forget(new long[] {a, b}, Progress.NONE);
        assertThat(r.shards()).containsExactly(2);
        assertThat(r.samplePasses()).isEqualTo(passes(s, 2, 1));
        assertThat(s.checkpoint(2, 1)).isSameAs(before.checkpoints[2][1]);
        assertThat(Arrays.deepEquals(s.checkpoint(2, 2), before.checkpoints[2][2])).isFalse();
        before.assertShardUnchanged(s, 0);
        before.assertShardUnchanged(s, 1);
        assertThat(r.parametersRetrained()).isEqualTo(s.parametersPerShard()).isPositive();
    }

    /** Sample-passes of shard {@code s}'s stages {@code from..r-1}, each over slices 0..stage, one epoch each. */
    private static long passes(Sisa s, int shard, int from) {
        long n = 0;
        for (int j = from; j < SLICES; j++) {
            for (int q = 0; q <= j; q++) {
                n += s.sliceRows(shard, q).length;
            }
        }
        return n * s.stageEpochs();
    }

    /** References to everything of a trained SISA, to prove what a removal did not touch. */
    private static final class Snapshot {
        final int[][][] rows = new int[SHARDS][SLICES][];
        final float[][][][] checkpoints = new float[SHARDS][SLICES + 1][][];
        final CnnWeights[] models = new CnnWeights[SHARDS];
        final byte[][] bytes = new byte[SHARDS][];

        Snapshot(Sisa s) {
            for (int i = 0; i < SHARDS; i++) {
                for (int j = 0; j < SLICES; j++) {
                    rows[i][j] = s.sliceRows(i, j);
                }
                for (int j = 0; j <= SLICES; j++) {
                    checkpoints[i][j] = s.checkpoint(i, j);
                    assertThat(checkpoints[i][j]).isNotNull();
                }
                models[i] = s.model(i);
                bytes[i] = models[i].toBytes();
            }
        }

        void assertShardUnchanged(Sisa s, int i) {
            assertThat(s.model(i)).as("shard %d keeps its very model", i).isSameAs(models[i]);
            assertThat(s.model(i).toBytes()).isEqualTo(bytes[i]);
            for (int j = 0; j <= SLICES; j++) {
                assertThat(s.checkpoint(i, j)).as("shard %d checkpoint %d", i, j).isSameAs(checkpoints[i][j]);
            }
            for (int j = 0; j < SLICES; j++) {
                assertThat(s.sliceRows(i, j)).containsExactly(rows[i][j]);
            }
        }
    }

    @Test
    void anUnknownIdThrowsAndChangesNothing() {
        Sisa s = sisa();
        s.train(Progress.NONE);
        long known = data.id(s.sliceRows(0, 1)[2]);
        Snapshot before = new Snapshot(s);
        assertThatThrownBy(() -> s.forget(new long[] {known, 987_654_321L}, Progress.NONE))
                .isInstanceOf(LegoNetException.class).hasMessageContaining("987654321");
        for (int i = 0; i < SHARDS; i++) {
            before.assertShardUnchanged(s, i);
        }
        assertThat(s.shardOf(known)).isZero();
        // a forgotten id is unknown from then on
        s.forget(new long[] {known}, Progress.NONE);
        Snapshot after = new Snapshot(s);
        assertThatThrownBy(() -> s.forget(new long[] {known}, Progress.NONE)).isInstanceOf(LegoNetException.class)
                .hasMessageContaining("no sample with id " + known);
        for (int i = 0; i < SHARDS; i++) {
            after.assertShardUnchanged(s, i);
        }
    }

    /**
     * What SISA's warm start rests on: restoring a checkpoint into a fresh network and training on gives the
     * same bits as training on in the network that took the checkpoint (the optimiser starts afresh at every
     * stage, and dropout and augmentation draw from the fit's seed).
     */
    @Test
    void trainingResumedFromACheckpointEqualsTrainingOn() {
        int[] first = Arrays.copyOfRange(Probabilities.allRows(data), 0, 60);
        int[] more = Arrays.copyOfRange(Probabilities.allRows(data), 0, 120);
        int[] shape = data.sampleShape();
        CnnNetwork a = new CnnNetwork(SPEC, shape, 10, stats[0], stats[1], 1, 1);
        CnnNetwork b = new CnnNetwork(SPEC, shape, 10, stats[0], stats[1], 2, 2);
        a.fit(data, first, 1, 3, Progress.NONE, "stage 0");
        float[][] checkpoint = a.snapshot();
        assertThat(Arrays.deepEquals(b.snapshot(), checkpoint)).isFalse();
        b.restore(checkpoint);
        assertThat(Arrays.deepEquals(b.snapshot(), checkpoint)).isTrue();
        a.fit(data, more, 1, 4, Progress.NONE, "stage 1");
        b.fit(data, more, 1, 4, Progress.NONE, "stage 1");
        assertThat(Arrays.deepEquals(b.snapshot(), a.snapshot())).isTrue();
        assertThat(b.weights().toBytes()).isEqualTo(a.weights().toBytes());
    }

    @Test
    void probabilitiesAreAProbabilityPerRowAndTheSameOnAnyThreadCount() {
        Sisa s = sisa();
        s.train(Progress.NONE);
        int[] rows = Probabilities.allRows(data);
        float[] one = Probabilities.of(s.model(0), data, rows, 1);
        float[] three = Probabilities.of(s.model(0), data, rows, 3);
        assertThat(three).containsExactly(one);
        for (int r = 0; r < rows.length; r++) {
            double sum = 0;
            for (int c = 0; c < 10; c++) {
                assertThat(one[r * 10 + c]).isBetween(0f, 1f);
                sum += one[r * 10 + c];
            }
            assertThat(sum).isCloseTo(1.0, within(1e-5));
        }
        // the ensemble of the shards' models: MEAN is the argmax of the summed probabilities
        Ensemble e = new Ensemble(SHARDS, 10, data.labels());
        float[] sum = new float[rows.length * 10];
        for (int i = 0; i < SHARDS; i++) {
            float[] p = Probabilities.of(s.model(i), data, rows, 2);
            e.set(i, p);
            for (int k = 0; k < sum.length; k++) {
                sum[k] += p[k];
            }
        }
        assertThat(e.accuracy(Ensemble.Aggregation.MEAN)).isEqualTo(Probabilities.accuracy(sum, 10, data.labels()));
        assertThat(e.accuracy(Ensemble.Aggregation.VOTE)).isBetween(0.0, 1.0);
    }

    @Test
    void ensembleMeanAndVoteOnAHandMadeExample() {
        // three members, two classes, four samples with labels 0, 1, 1, 0
        Ensemble e = new Ensemble(3, 2, new int[] {0, 1, 1, 0});
        e.set(0, new float[] {0.9f, 0.1f, 0.6f, 0.4f, 0.2f, 0.8f, 0.45f, 0.55f});
        e.set(1, new float[] {0.8f, 0.2f, 0.6f, 0.4f, 0.3f, 0.7f, 0.40f, 0.60f});
        e.set(2, new float[] {0.7f, 0.3f, 0.0f, 1.0f, 0.4f, 0.6f, 1.00f, 0.00f});
        // sample 0: both rules say 0 (right); sample 1: mean 0.4/0.6 -> 1 (right), vote 2:1 for 0 (wrong);
        // sample 2: both say 1 (right); sample 3: mean 0.62/0.38 -> 0 (right), vote 2:1 for 1 (wrong)
        assertThat(e.accuracy(Ensemble.Aggregation.MEAN)).isEqualTo(1.0);
        assertThat(e.accuracy(Ensemble.Aggregation.VOTE)).isEqualTo(0.5);
        assertThat(Ensemble.Aggregation.parse("Mean")).isEqualTo(Ensemble.Aggregation.MEAN);
        assertThat(Ensemble.Aggregation.parse("vote")).isEqualTo(Ensemble.Aggregation.VOTE);
        assertThatThrownBy(() -> Ensemble.Aggregation.parse("max")).isInstanceOf(LegoNetException.class)
                .hasMessageContaining("mean or vote");
        assertThatThrownBy(() -> e.set(0, new float[3])).isInstanceOf(IllegalArgumentException.class);
        assertThat(new Ensemble(1, 2, new int[0]).accuracy(Ensemble.Aggregation.MEAN)).isNaN();
        Ensemble missing = new Ensemble(2, 2, new int[] {0});
        missing.set(0, new float[] {1f, 0f});
        assertThatThrownBy(() -> missing.accuracy(Ensemble.Aggregation.MEAN)).isInstanceOf(IllegalStateException.class);
        assertThat(Probabilities.accuracy(new float[] {0.9f, 0.1f, 0.3f, 0.7f}, 2, new int[] {0, 0})).isEqualTo(0.5);
    }
}
