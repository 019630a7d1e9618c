package org.legonet.dl.cnn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.legonet.core.LegoNetException;
import org.legonet.core.data.Dataset;
import org.legonet.core.testing.TestData;
import org.legonet.core.Progress;

/**
 * The inference of a trained CNN ({@link CnnWeights}, batch normalisation folded, one sample at a time)
 * computes what the trainer's own passes compute in inference mode ({@link CnnNetwork}, batch
 * normalisation unfolded, whole batches), for 1, 2 and 3 blocks and odd image sizes, and its serialised
 * form reads back to the same bits or fails in one line.
 */
class CnnWeightsTest {
    private static Dataset fashion;

    @BeforeAll
    static void data() {
        fashion = TestData.fashionMnistTrainSlice(160);
    }

    /** Trains {@code spec} briefly on {@code data}, then compares both inference paths' logits on {@code evalRows}. */
    private static CnnWeights trainAndCompare(String spec, Dataset data, int classes, int[] evalRows) {
        float[] st = CnnNetwork.inputStats(data);
        CnnNetwork m = new CnnNetwork(CnnSpec.parse(spec), data.sampleShape(), classes, st[0], st[1], 3, 2);
        float[][] init = m.snapshot();
        long passes = m.fit(data, Images.range(data.size()), m.spec().epochs(), 5, Progress.NONE, "test");
        assertThat(passes).isEqualTo((long) data.size() * m.spec().epochs());
        assertThat(Arrays.deepEquals(init, m.snapshot())).as("training changed the parameters").isFalse();
        CnnWeights w = m.weights();
        assertThat(w.inputDim()).isEqualTo(data.dim());
        assertThat(w.classes()).isEqualTo(classes);
        assertThat(w.parameterCount()).as("trainable parameters, from the weights' shapes")
                .isEqualTo(m.parameterCount());
        float[] engine = m.evalLogits(data, evalRows);
        float[] java = new float[evalRows.length * classes];
        CnnWeights.Workspace ws = w.workspace();
        float[] x = new float[data.dim()];
        float[] lg = new float[classes];
        double scale = 0;
        for (int i = 0; i < evalRows.length; i++) {
            data.copyRow(evalRows[i], x, 0);
            w.logits(x, 0, lg, ws);
            System.arraycopy(lg, 0, java, i * classes, classes);
        }
        for (float v : engine) {
            scale = Math.max(scale, Math.abs(v));
        }
        assertThat(scale).as("logits are not trivially zero").isGreaterThan(0.1);
        // float32 in another order of operations (folded batch norm): observed differences are about 1e-6
        for (int i = 0; i < java.length; i++) {
            assertThat((double) Math.abs(java[i] - engine[i])).as("%s: logit %d: folded %s, unfolded %s", spec, i,
                    java[i], engine[i]).isLessThanOrEqualTo(2e-5 * (1 + scale));
        }
        // the rows are told apart: the comparison covers more than the biases
        assertThat(Arrays.copyOfRange(java, 0, classes)).isNotEqualTo(Arrays.copyOfRange(java, classes, 2 * classes));
        return w;
    }

    @Test
    void inferenceEqualsTheTrainersForOneBlockOnFashionMnist() {
        trainAndCompare("cnn:channels=4:dim=16:epochs=1:batch=32", fashion, 10, new int[] {0, 1, 2, 100, 159});
    }

    @Test
    void inferenceEqualsTheTrainersForTwoBlocksWithDropoutAndAugmentation() {
        // dropout and augmentation are training-time only: inference must ignore both
        trainAndCompare("cnn:channels=4-8:dim=16:epochs=1:batch=32:dropout=0.5:augment=on", fashion, 10,
                new int[] {3, 4, 5, 150});
    }

    @Test
    void inferenceEqualsTheTrainersOnOddSizedMultiChannelImages() {
        // 10x14 -> 5x7 -> 2x3: the second pooling drops a row and a column, as PyTorch's floor mode does
        Dataset two = Images.synthetic(64, new int[] {2, 10, 14}, 3, 8);
        trainAndCompare("cnn:channels=4-6:dim=12:epochs=1:batch=16:augment=off", two, 3, new int[] {0, 1, 2, 50, 63});
        // 9x11 -> 4x5 -> 2x2 -> 1x1 with three input channels
        Dataset three = Images.synthetic(48, new int[] {3, 9, 11}, 4, 9);
        trainAndCompare("cnn:channels=3-5-7:dim=8:epochs=1:batch=12", three, 4, new int[] {0, 1, 2, 3, 47});
        // one block on an image of a single row pair: 2x5 -> 1x2
        Dataset thin = Images.synthetic(40, new int[] {2, 5}, 2, 10);
        trainAndCompare("cnn:channels=3:dim=4:epochs=1:batch=8", thin, 2, new int[] {0, 1, 39});
    }

    @Test
    void bytesRoundTripToTheSameBits() {
        CnnWeights w = small();
        byte[] b = w.toBytes();
        CnnWeights back = CnnWeights.fromBytes(b);
        assertThat(back.toBytes()).isEqualTo(b);
        float[] x = new float[fashion.dim()];
        float[] e1 = new float[w.dim()];
        float[] e2 = new float[w.dim()];
        for (int r = 0; r < 20; r++) {
            fashion.copyRow(r, x, 0);
            w.encode(x, 0, e1, 0, w.workspace());
            back.encode(x, 0, e2, 0, back.workspace());
            assertThat(e2).containsExactly(e1);
        }
    }

    @Test
    void corruptedBytesAreOneLineErrors() {
        byte[] good = small().toBytes();
        byte[] magic = good.clone();
        magic[0] ^= 1;
        bad(magic, "not a cnn encoder state");
        byte[] header = good.clone();
        header[7] = 0; // input channels 0
        bad(header, "bad header");
        byte[] height = good.clone();
        ByteBuffer.wrap(height).putInt(8, 1); // height 1
        bad(height, "bad header");
        byte[] blocks = good.clone();
        ByteBuffer.wrap(blocks).putInt(24, 5); // 28x28 cannot take 5 poolings
        bad(blocks, "corrupted");
        bad(Arrays.copyOf(good, good.length - 3), "truncated or corrupted");
        bad(Arrays.copyOf(good, 10), "truncated or corrupted");
        bad(new byte[0], "truncated or corrupted");
        byte[] longer = Arrays.copyOf(good, good.length + 1);
        bad(longer, "trailing bytes");
        byte[] nan = good.clone();
        // the first conv weight: magic, cin, h, w, mean, std, blocks, channels[0], length -> offset 36
        ByteBuffer.wrap(nan).putFloat(36, Float.NaN);
        bad(nan, "NaN or infinite");
        byte[] inf = good.clone();
        ByteBuffer.wrap(inf).putFloat(good.length - 4, Float.POSITIVE_INFINITY);
        bad(inf, "NaN or infinite");
    }

    private static CnnWeights small() {
        float[] st = CnnNetwork.inputStats(fashion);
        CnnNetwork m = new CnnNetwork(CnnSpec.parse("cnn:channels=2-3:dim=5:epochs=1:batch=64"), fashion.sampleShape(),
                10, st[0], st[1], 1, 1);
        m.fit(fashion, Images.range(128), 1, 2, Progress.NONE, "test");
        return m.weights();
    }

    private static void bad(byte[] bytes, String fragment) {
        assertThatThrownBy(() -> CnnWeights.fromBytes(bytes)).isInstanceOf(LegoNetException.class)
                .hasMessageContaining(fragment)
                .satisfies(t -> assertThat(t.getMessage()).doesNotContain("\n"));
    }
}
