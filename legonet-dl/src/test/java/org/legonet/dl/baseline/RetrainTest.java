package org.legonet.dl.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.legonet.core.LegoNetException;
import org.legonet.core.data.Dataset;
import org.legonet.core.testing.TestData;
import org.legonet.core.Progress;
import org.legonet.dl.cnn.CnnNetwork;
import org.legonet.dl.cnn.CnnSpec;

/** Retrain: a removal drops the samples and trains the end-to-end CNN again from scratch on the rest. */
class RetrainTest {
    static final CnnSpec SPEC = CnnSpec.parse("cnn:channels=3:dim=8:epochs=1:batch=40");

    @Test
    void forgetTrainsFromScratchOnTheRest() {
        Dataset data = TestData.fashionMnistTrainSlice(160);
        float[] stats = CnnNetwork.inputStats(data);
        Retrain r = new Retrain(SPEC, data, 10, stats, 5);
        assertThat(r.samples()).isEqualTo(160);
        r.train(Progress.NONE);
        byte[] first = r.weights().toBytes();
        assertThat(r.parameters()).isPositive();

        long[] gone = {data.id(7), data.id(100)};
        assertThat(r.forget(gone, Progress.NONE)).isPositive();
        assertThat(r.samples()).isEqualTo(158);
        assertThat(r.weights().toBytes()).isNotEqualTo(first);

        // the same as training from scratch, with the same recipe and seed, on data that never held them
        int[] rest = Arrays.stream(Probabilities.allRows(data)).filter(i -> i != 7 && i != 100).toArray();
        Retrain fresh = new Retrain(SPEC, data.select(rest, "without 7 and 100"), 10, stats, 5);
        fresh.train(Progress.NONE);
        assertThat(r.weights().toBytes()).as("the Java trainer is bit-reproducible")
                .isEqualTo(fresh.weights().toBytes());

        // a sample that is gone, or never was, is an error and changes nothing
        byte[] now = r.weights().toBytes();
        assertThatThrownBy(() -> r.forget(new long[] {data.id(7)}, Progress.NONE)).isInstanceOf(LegoNetException.class)
                .hasMessageContaining("no sample with id " + data.id(7));
        assertThatThrownBy(() -> r.forget(new long[] {data.id(8), -1}, Progress.NONE))
                .isInstanceOf(LegoNetException.class);
        assertThat(r.samples()).isEqualTo(158);
        assertThat(r.weights().toBytes()).isEqualTo(now);
    }
}
