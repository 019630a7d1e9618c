package org.legonet.dl.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.legonet.core.LegoNetException;
import org.legonet.core.adapter.Adapter;
import org.legonet.core.adapter.AdapterTrainer;
import org.legonet.core.adapter.TrainingSet;
import org.legonet.core.data.Dataset;
import org.legonet.core.model.LegoNetTrainer;
import org.legonet.core.testing.SmallModels;
import org.legonet.core.testing.Synthetic;
import org.legonet.core.util.Rng;

/**
 * FixSISA: shards of the private encodings, one core adapter per shard. A removal retrains only the
 * affected shard's adapter, and the result is bit for bit the adapter trained from scratch on the shard
 * without the sample (core's adapters are deterministic).
 */
class FixSisaTest {
    static final int ROWS = 300;
    static final int DIM = 6;
    static final int CLASSES = 3;
    static final int SHARDS = 4;
    static final long SEED = 21;
    static final AdapterTrainer TRAINER = LegoNetTrainer.adapterTrainer(SmallModels.config(1));

    /** Blob encodings whose ids run downwards with the row, so row order and id order differ. */
    private static final Dataset DATA;
    private static final float[] ENC;

    static {
        Dataset blobs = Synthetic.blobs(ROWS, DIM, CLASSES, 4, 1000);
        int[] reversed = new int[ROWS];
        for (int i = 0; i < ROWS; i++) {
            reversed[i] = ROWS - 1 - i;
        }
        DATA = blobs.select(reversed, "reversed blobs");
        ENC = new float[ROWS * DIM];
        for (int r = 0; r < ROWS; r++) {
            DATA.copyRow(r, ENC, r * DIM);
        }
    }

    private static FixSisa fixSisa() {
        return new FixSisa(TRAINER, ENC, DIM, DATA.labels(), DATA.ids(), CLASSES, SHARDS, SEED);
    }

    @Test
    void shardsPartitionThePrivateRowsInAscendingId() {
        FixSisa f = fixSisa();
        assertThat(f.shards()).isEqualTo(SHARDS);
        int[] seen = new int[ROWS];
        for (int s = 0; s < SHARDS; s++) {
            int[] rows = f.shardRows(s);
            assertThat(rows.length).isEqualTo(ROWS / SHARDS);
            for (int i = 0; i < rows.length; i++) {
                seen[rows[i]]++;
                if (i > 0) {
                    assertThat(DATA.id(rows[i])).as("shard %d in ascending id", s).isGreaterThan(DATA.id(rows[i - 1]));
                }
            }
        }
        assertThat(seen).as("every private row in exactly one shard").containsOnly(1);
        assertThat(fixSisa().shardRows(2)).containsExactly(f.shardRows(2));
        assertThatThrownBy(() -> new FixSisa(TRAINER, ENC, DIM, DATA.labels(), DATA.ids(), CLASSES, 0, SEED))
                .isInstanceOf(LegoNetException.class).hasMessageContaining("shards");
        assertThatThrownBy(() -> new FixSisa(TRAINER, ENC, DIM, DATA.labels(), DATA.ids(), CLASSES, ROWS + 1, SEED))
                .isInstanceOf(LegoNetException.class);
        long[] twice = DATA.ids().clone();
        twice[5] = twice[6];
        assertThatThrownBy(() -> new FixSisa(TRAINER, ENC, DIM, DATA.labels(), twice, CLASSES, SHARDS, SEED))
                .isInstanceOf(LegoNetException.class).hasMessageContaining("occurs twice");
        assertThatThrownBy(() -> new FixSisa(TRAINER, ENC, DIM + 1, DATA.labels(), DATA.ids(), CLASSES, SHARDS, SEED))
                .isInstanceOf(LegoNetException.class).hasMessageContaining("do not match");
    }

    @Test
    void aRemovalRetrainsOnlyItsShardAndEqualsTrainingFromScratch() {
        FixSisa f = fixSisa();
        f.train();
        for (int s = 0; s < SHARDS; s++) {
            assertThat(f.adapter(s).digest()).isEqualTo(scratch(s, f.shardRows(s)).digest());
            assertThat(f.adapter(s).samples()).isEqualTo(ROWS / SHARDS);
        }
        int shard = 2;
        int[] rows = f.shardRows(shard);
        int gone = rows[10];
        Adapter[] before = adapters(f);
        FixSisa.Removal r = f.forget(new long[] {DATA.id(gone)});
        assertThat(r.shardsRetrained()).isEqualTo(1);
        assertThat(r.samplesRetrained()).isEqualTo(rows.length - 1);
        assertThat(r.parametersRetrained()).isEqualTo(f.parametersPerShard()).isPositive();
        int[] without = Arrays.stream(rows).filter(x -> x != gone).toArray();
        assertThat(f.shardRows(shard)).containsExactly(without);
        for (int s = 0; s < SHARDS; s++) {
            if (s != shard) {
                assertThat(f.adapter(s)).as("shard %d keeps its very adapter", s).isSameAs(before[s]);
            }
        }
        Adapter retrained = f.adapter(shard);
        assertThat(retrained.digest()).isNotEqualTo(before[shard].digest());
        assertThat(retrained.samples()).isEqualTo(rows.length - 1);
        Adapter fromScratch = scratch(shard, without);
        assertThat(retrained.digest()).isEqualTo(fromScratch.digest());
        assertThat(retrained.sampleSetDigest()).isEqualTo(fromScratch.sampleSetDigest());
        assertThat(retrained.parameters()).containsExactly(fromScratch.parameters());

        // two samples of two other shards in one request: both shards, each once
        int a = f.shardRows(0)[0];
        int b = f.shardRows(3)[5];
        int c = f.shardRows(3)[6];
        before = adapters(f);
        r = f.forget(new long[] {DATA.id(a), DATA.id(b), DATA.id(c), DATA.id(b)});
        assertThat(r.shardsRetrained()).isEqualTo(2);
        assertThat(r.samplesRetrained()).isEqualTo(f.shardRows(0).length + f.shardRows(3).length);
        assertThat(f.adapter(1)).isSameAs(before[1]);
        assertThat(f.adapter(2)).isSameAs(before[2]);
        assertThat(f.adapter(0).digest()).isEqualTo(scratch(0, f.shardRows(0)).digest());
        assertThat(f.adapter(3).digest()).isEqualTo(scratch(3, f.shardRows(3)).digest());
        assertThat(f.shardRows(3)).doesNotContain(b, c);
    }

    @Test
    void anUnknownIdThrowsAndChangesNothing() {
        FixSisa f = fixSisa();
        f.train();
        long known = DATA.id(f.shardRows(1)[0]);
        Adapter[] before = adapters(f);
        int[][] rows = new int[SHARDS][];
        for (int s = 0; s < SHARDS; s++) {
            rows[s] = f.shardRows(s);
        }
        assertThatThrownBy(() -> f.forget(new long[] {known, 1001})).isInstanceOf(LegoNetException.class)
                .hasMessageContaining("no sample with id 1001");
        for (int s = 0; s < SHARDS; s++) {
            assertThat(f.adapter(s)).isSameAs(before[s]);
            assertThat(f.shardRows(s)).containsExactly(rows[s]);
        }
        f.forget(new long[] {known});
        assertThatThrownBy(() -> f.forget(new long[] {known})).isInstanceOf(LegoNetException.class)
                .hasMessageContaining(Long.toString(known));
    }

    @Test
    void predictionsAverageTheShardsAdapters() {
        FixSisa f = fixSisa();
        f.train();
        float[] p = f.predictProba(ENC, ROWS);
        float[] mean = new float[ROWS * CLASSES];
        float[] one = new float[ROWS * CLASSES];
        for (int s = 0; s < SHARDS; s++) {
            f.adapter(s).predictProba(ENC, ROWS, one);
            for (int i = 0; i < mean.length; i++) {
                mean[i] += one[i] / SHARDS;
            }
        }
        for (int r = 0; r < ROWS; r++) {
            double sum = 0;
            for (int c = 0; c < CLASSES; c++) {
                assertThat(p[r * CLASSES + c]).isCloseTo(mean[r * CLASSES + c], within(1e-6f));
                sum += p[r * CLASSES + c];
            }
            assertThat(sum).isCloseTo(1.0, within(1e-5));
        }
        assertThat(f.accuracy(ENC, DATA.labels())).isGreaterThan(0.6); // well-separated blobs
        assertThat(f.accuracyOnIds(new long[] {DATA.id(0), DATA.id(1)})).isBetween(0.0, 1.0);
        assertThat(f.accuracyOnIds(new long[0])).isNaN();
        assertThatThrownBy(() -> f.accuracyOnIds(new long[] {1001})).isInstanceOf(LegoNetException.class);
    }

    private static Adapter scratch(int shard, int[] rows) {
        return TRAINER.train(shard, Rng.derive(SEED, shard), new TrainingSet(ENC, DIM, DATA.labels(), DATA.ids(), rows,
                CLASSES));
    }

    private static Adapter[] adapters(FixSisa f) {
        Adapter[] a = new Adapter[SHARDS];
        for (int s = 0; s < SHARDS; s++) {
            a[s] = f.adapter(s);
        }
        return a;
    }
}
