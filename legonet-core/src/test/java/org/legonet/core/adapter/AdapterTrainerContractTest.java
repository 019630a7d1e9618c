package org.legonet.core.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.legonet.core.LegoNetException;
import org.legonet.core.util.Rng;

/**
 * What every {@link AdapterTrainer} must do (docs/design.md, contract point 3): an adapter is a pure
 * function of the configuration, the seed and the training set, and it is a usable classifier.
 * Each architecture or implementation extends this class; every test runs with Adam and with SGD.
 */
abstract class AdapterTrainerContractTest {
    static final int DIM = 5;
    static final int CLASSES = 3;

    /** The architecture under test. */
    protected abstract AdapterSpec spec();

    /** The trainer under test, for a configuration of {@link #spec()}. */
    protected AdapterTrainer trainer(TrainConfig config) {
        return new DenseAdapterTrainer(config);
    }

    /**
     * Dense-layer floating-point operations of one sample in one epoch for an input of dimension
     * 3 and 4 classes, counted by hand: 2 per multiply-add; forward and weight gradients in every
     * layer, input gradients in every layer but the first.
     */
    protected abstract long handCountedFlopsPerSampleEpoch();

    /** Trainable parameters for input dimension 3 and 4 classes, counted by hand. */
    protected abstract long handCountedParameters();

    static TrainConfig config(AdapterSpec spec, Optimizer optimizer) {
        float lr = optimizer == Optimizer.ADAM ? 0.01f : 0.05f;
        return new TrainConfig(spec, optimizer, 12, 16, lr, true, 0.9f, 1e-4f);
    }

    AdapterTrainer trainer(Optimizer optimizer) {
        return trainer(config(spec(), optimizer));
    }

    /** Well separated Gaussian blobs: 150 samples, ids 10, 17, 24, ..., labels cycling. */
    static TrainingSet separable(long seed) {
        Rng rng = new Rng(seed);
        int n = 150;
        float[] centres = new float[CLASSES * DIM];
        for (int i = 0; i < centres.length; i++) {
            centres[i] = (float) (3 * rng.nextGaussian());
        }
        float[] x = new float[n * DIM];
        int[] y = new int[n];
        long[] ids = new long[n];
        int[] rows = new int[n];
        for (int r = 0; r < n; r++) {
            ids[r] = 10 + 7L * r;
            rows[r] = r;
            y[r] = r % CLASSES;
            for (int d = 0; d < DIM; d++) {
                x[r * DIM + d] = centres[y[r] * DIM + d] + (float) (0.5 * rng.nextGaussian());
            }
        }
        return new TrainingSet(x, DIM, y, ids, rows, CLASSES);
    }

    static TrainingSet empty() {
        return new TrainingSet(new float[0], DIM, new int[0], new long[0], new int[0], CLASSES);
    }

    static TrainingSet withLabel(TrainingSet s, int row, int label) {
        int[] y = s.labels().clone();
        y[row] = label;
        return new TrainingSet(s.encodings(), s.dim(), y, s.ids(), s.rows(), s.classes());
    }

    static int[] bits(float[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Float.floatToRawIntBits(v[i]);
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(Optimizer.class)
    void trainingTwiceGivesTheSameAdapterBitForBit(Optimizer o) {
        TrainingSet data = separable(1);
        Adapter a = trainer(o).train(3, 77, data);
        Adapter b = trainer(o).train(3, 77, data);
        assertThat(b.digest()).isEqualTo(a.digest());
        assertThat(bits(b.parameters())).isEqualTo(bits(a.parameters()));
        assertThat(b).isEqualTo(a).hasSameHashCodeAs(a);
    }

    @ParameterizedTest
    @EnumSource(Optimizer.class)
    void theSeedAndOnlyTheSeedPicksTheWeights(Optimizer o) {
        TrainingSet data = separable(1);
        Adapter a = trainer(o).train(3, 77, data);
        Adapter otherSeed = trainer(o).train(3, 78, data);
        assertThat(otherSeed.digest()).isNotEqualTo(a.digest());
        assertThat(bits(otherSeed.parameters())).isNotEqualTo(bits(a.parameters()));
        // the index is provenance only: the same seed under another index gives the same weights
        Adapter otherIndex = trainer(o).train(9, 77, data);
        assertThat(bits(otherIndex.parameters())).isEqualTo(bits(a.parameters()));
        assertThat(otherIndex.digest()).isNotEqualTo(a.digest());
    }

    @ParameterizedTest
    @EnumSource(Optimizer.class)
    void theAdapterCarriesItsProvenance(Optimizer o) {
        TrainingSet data = separable(2);
        Adapter a = trainer(o).train(4, 123, data);
        assertThat(a.index()).isEqualTo(4);
        assertThat(a.seed()).isEqualTo(123);
        assertThat(a.samples()).isEqualTo(150);
        assertThat(a.sampleSetDigest()).isEqualTo(data.digest()).hasSize(64);
        assertThat(a.spec()).isEqualTo(spec());
        assertThat(a.inputDim()).isEqualTo(DIM);
        assertThat(a.classes()).isEqualTo(CLASSES);
        assertThat(a.parameterCount()).isEqualTo(spec().parameters(DIM, CLASSES));
        assertThat(a.toString()).contains("adapter 4").contains(spec().toString()).contains("150 samples");
    }

    @ParameterizedTest
    @EnumSource(Optimizer.class)
    void anEmptyTrainingSetGivesTheSeededInitialWeights(Optimizer o) {
        Adapter a = trainer(o).train(0, 5, empty());
        Adapter again = trainer(o).train(0, 5, empty());
        Adapter otherSeed = trainer(o).train(0, 6, empty());
        assertThat(a.samples()).isZero();
        assertThat(again.digest()).isEqualTo(a.digest());
        assertThat(bits(otherSeed.parameters())).isNotEqualTo(bits(a.parameters()));
        // He/Glorot-uniform weights (non-zero, bounded), zero biases, zero padding
        Adapter.Layout lay = Adapter.layout(spec(), DIM, CLASSES);
        float[] p = a.parameters();
        for (int l = 1; l <= lay.layers(); l++) {
            int in = lay.widths[l - 1];
            int out = lay.widths[l];
            double bound = l < lay.layers() ? Math.sqrt(6.0 / in) : Math.sqrt(6.0 / (in + out));
            int nonZero = 0;
            for (int i = 0; i < lay.padded[l - 1]; i++) {
                for (int j = 0; j < lay.padded[l]; j++) {
                    float w = p[lay.weightOff[l] + i * lay.padded[l] + j];
                    if (i < in && j < out) {
                        assertThat(Math.abs(w)).isLessThanOrEqualTo((float) bound);
                        nonZero += w != 0 ? 1 : 0;
                    } else {
                        assertThat(w).as("padding weight (%d, %d) of layer %d", i, j, l).isZero();
                    }
                }
            }
            assertThat(nonZero).isEqualTo(in * out);
            for (int j = 0; j < lay.padded[l]; j++) {
                assertThat(p[lay.biasOff[l] + j]).as("bias %d of layer %d", j, l).isZero();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Optimizer.class)
    void itLearnsAnEasySeparableProblem(Optimizer o) {
        TrainingSet data = separable(3);
        Adapter a = trainer(o).train(0, 11, data);
        float[] probs = new float[data.size() * CLASSES];
        a.predictProba(data.encodings(), data.size(), probs);
        int correct = 0;
        for (int r = 0; r < data.size(); r++) {
            int best = 0;
            for (int c = 1; c < CLASSES; c++) {
                if (probs[r * CLASSES + c] > probs[r * CLASSES + best]) {
                    best = c;
                }
            }
            correct += best == data.labels()[r] ? 1 : 0;
        }
        assertThat(correct / (double) data.size()).isGreaterThan(0.9);
        // and an untrained adapter does not, so the check above means something
        Adapter untrained = trainer(o).train(0, 11, empty());
        untrained.predictProba(data.encodings(), data.size(), probs);
        int guessed = 0;
        for (int r = 0; r < data.size(); r++) {
            int best = 0;
            for (int c = 1; c < CLASSES; c++) {
                if (probs[r * CLASSES + c] > probs[r * CLASSES + best]) {
                    best = c;
                }
            }
            guessed += best == data.labels()[r] ? 1 : 0;
        }
        assertThat(guessed / (double) data.size()).isLessThan(0.9);
    }

    @ParameterizedTest
    @EnumSource(Optimizer.class)
    void oneChangedSampleChangesTheAdapter(Optimizer o) {
        TrainingSet data = separable(4);
        Adapter a = trainer(o).train(0, 11, data);
        Adapter relabelled = trainer(o).train(0, 11, withLabel(data, 17, (data.labels()[17] + 1) % CLASSES));
        assertThat(relabelled.digest()).isNotEqualTo(a.digest());
        assertThat(relabelled.sampleSetDigest()).isNotEqualTo(a.sampleSetDigest());
        assertThat(bits(relabelled.parameters())).isNotEqualTo(bits(a.parameters()));
        float[] x = data.encodings().clone();
        x[40 * DIM + 2] += 0.01f;
        Adapter moved = trainer(o).train(0, 11,
                new TrainingSet(x, DIM, data.labels(), data.ids(), data.rows(), CLASSES));
        assertThat(bits(moved.parameters())).isNotEqualTo(bits(a.parameters()));
        // dropping one sample too
        int[] fewer = Arrays.stream(data.rows()).filter(r -> r != 99).toArray();
        Adapter without = trainer(o).train(0, 11, new TrainingSet(data.encodings(), DIM, data.labels(), data.ids(),
                fewer, CLASSES));
        assertThat(without.samples()).isEqualTo(149);
        assertThat(bits(without.parameters())).isNotEqualTo(bits(a.parameters()));
    }

    @ParameterizedTest
    @EnumSource(Optimizer.class)
    void rowsOutsideTheTrainingSetAreNeverRead(Optimizer o) {
        TrainingSet data = separable(5);
        int[] half = Arrays.stream(data.rows()).filter(r -> r % 2 == 0).toArray();
        TrainingSet a = new TrainingSet(data.encodings(), DIM, data.labels(), data.ids(), half, CLASSES);
        float[] x = data.encodings().clone();
        int[] y = data.labels().clone();
        for (int r = 1; r < data.size(); r += 2) {
            y[r] = (y[r] + 1) % CLASSES;
            x[r * DIM] = 1e6f;
        }
        TrainingSet b = new TrainingSet(x, DIM, y, data.ids(), half, CLASSES);
        assertThat(trainer(o).train(0, 8, b).digest()).isEqualTo(trainer(o).train(0, 8, a).digest());
    }

    @ParameterizedTest
    @EnumSource(Optimizer.class)
    void theThreadThatTrainsDoesNotMatter(Optimizer o) throws Exception {
        TrainingSet data = separable(6);
        String here = trainer(o).train(1, 42, data).digest();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            Future<String> f1 = pool.submit(() -> trainer(o).train(1, 42, data).digest());
            Future<String> f2 = pool.submit(() -> trainer(o).train(1, 42, data).digest());
            Future<String> f3 = pool.submit(() -> trainer(o).train(1, 42, data).digest());
            assertThat(f1.get()).isEqualTo(here);
            assertThat(f2.get()).isEqualTo(here);
            assertThat(f3.get()).isEqualTo(here);
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest
    @EnumSource(Optimizer.class)
    void trainingNeverTouchesThePadding(Optimizer o) {
        Adapter a = trainer(o).train(0, 3, separable(7));
        Adapter.Layout lay = Adapter.layout(spec(), DIM, CLASSES);
        float[] p = a.parameters();
        int last = lay.layers();
        assertThat(lay.padded[last]).isEqualTo(Adapter.CLASS_PAD);
        for (int i = 0; i < lay.padded[last - 1]; i++) {
            for (int j = CLASSES; j < lay.padded[last]; j++) {
                assertThat(p[lay.weightOff[last] + i * lay.padded[last] + j]).isZero();
            }
        }
        for (int j = CLASSES; j < lay.padded[last]; j++) {
            assertThat(p[lay.biasOff[last] + j]).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(Optimizer.class)
    void theBinaryFormRoundTripsBitForBit(Optimizer o) {
        Adapter a = trainer(o).train(6, -12345L, separable(8));
        Adapter back = Adapter.fromBytes(a.toBytes(), "adapter-6.bin");
        assertThat(back.digest()).isEqualTo(a.digest());
        assertThat(bits(back.parameters())).isEqualTo(bits(a.parameters()));
        assertThat(back.index()).isEqualTo(6);
        assertThat(back.seed()).isEqualTo(-12345L);
        assertThat(back.samples()).isEqualTo(a.samples());
        assertThat(back.sampleSetDigest()).isEqualTo(a.sampleSetDigest());
        assertThat(back.spec()).isEqualTo(spec());
        assertThat(back.classes()).isEqualTo(CLASSES);
        assertThat(back.inputDim()).isEqualTo(DIM);
    }

    @ParameterizedTest
    @EnumSource(Optimizer.class)
    void damagedBytesAreAClearErrorNamingTheFile(Optimizer o) {
        byte[] good = trainer(o).train(0, 1, separable(9)).toBytes();
        assertDamaged(Arrays.copyOf(good, good.length - 4), "holds");
        assertDamaged(Arrays.copyOf(good, good.length + 4), "holds");
        assertDamaged(Arrays.copyOf(good, 10), "truncated or corrupted");
        assertDamaged(new byte[0], "truncated or corrupted");
        byte[] magic = good.clone();
        magic[1] ^= 1;
        assertDamaged(magic, "is not a LegoNet adapter file");
        byte[] classes = good.clone();
        ByteBuffer.wrap(classes).order(ByteOrder.LITTLE_ENDIAN).putInt(12, 0);
        assertDamaged(classes, "corrupted header");
        byte[] layers = good.clone();
        ByteBuffer.wrap(layers).order(ByteOrder.LITTLE_ENDIAN).putInt(32, 1000);
        assertDamaged(layers, "corrupted header");
        byte[] count = good.clone();
        ByteBuffer buf = ByteBuffer.wrap(count).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(28, buf.getInt(28) - 1);
        assertDamaged(count, "adapter.bin");
        byte[] hidden = good.clone();
        int digestLengthAt = 36 + 4 * spec().hidden().length;
        ByteBuffer.wrap(hidden).order(ByteOrder.LITTLE_ENDIAN).putInt(digestLengthAt, 63);
        assertDamaged(hidden, "corrupted sample-set digest");
    }

    private static void assertDamaged(byte[] bytes, String fragment) {
        assertThatThrownBy(() -> Adapter.fromBytes(bytes, "adapter.bin"))
                .isInstanceOf(LegoNetException.class)
                .hasMessageContaining("adapter.bin")
                .hasMessageContaining(fragment);
    }

    @ParameterizedTest
    @EnumSource(Optimizer.class)
    void probabilitiesSumToOneAndARowAloneEqualsTheRowInABatch(Optimizer o) {
        TrainingSet data = separable(10);
        Adapter a = trainer(o).train(0, 2, data);
        int rows = 41;
        float[] x = Arrays.copyOf(data.encodings(), rows * DIM);
        float[] batch = new float[rows * CLASSES];
        a.predictProba(x, rows, batch);
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            for (int c = 0; c < CLASSES; c++) {
                assertThat(batch[r * CLASSES + c]).isBetween(0.0f, 1.0f);
                sum += batch[r * CLASSES + c];
            }
            assertThat(sum).as("row %d", r).isCloseTo(1.0, within(1e-6));
            float[] alone = new float[CLASSES];
            a.predictProba(Arrays.copyOfRange(x, r * DIM, (r + 1) * DIM), 1, alone);
            assertThat(bits(alone)).as("row %d", r)
                    .isEqualTo(bits(Arrays.copyOfRange(batch, r * CLASSES, (r + 1) * CLASSES)));
        }
    }

    @ParameterizedTest
    @EnumSource(Optimizer.class)
    void flopsAndParametersMatchAHandCount(Optimizer o) {
        AdapterTrainer t = trainer(o);
        long perSampleEpoch = handCountedFlopsPerSampleEpoch();
        assertThat(t.flops(3, 4, 1)).isEqualTo(perSampleEpoch * t.config().epochs());
        assertThat(t.flops(3, 4, 250)).isEqualTo(perSampleEpoch * 250 * t.config().epochs());
        assertThat(t.flops(3, 4, 0)).isZero();
        assertThat(spec().parameters(3, 4)).isEqualTo(handCountedParameters());
        assertThat(t.config().spec()).isEqualTo(spec());
    }
}
