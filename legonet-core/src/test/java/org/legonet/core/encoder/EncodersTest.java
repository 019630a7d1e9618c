package org.legonet.core.encoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.legonet.core.InvalidSettingException;
import org.legonet.core.LegoNetException;
import org.legonet.core.data.Dataset;
import org.legonet.core.testing.Synthetic;
import org.legonet.core.Progress;

class EncodersTest {
    @Test
    void anUnknownSpecificationNamesTheKnownOnes() {
        Dataset d = Synthetic.blobs(10, 4, 2, 1, 0);
        assertThatThrownBy(() -> Encoders.fit("resnet:50", d, 0, Progress.NONE))
                .isInstanceOfSatisfying(InvalidSettingException.class, e -> assertThat(e.setting()).isEqualTo("encoder"))
                .hasMessageContaining("encoder 'resnet:50' is unknown")
                .hasMessageContaining("identity")
                .hasMessageContaining("pca:D")
                .satisfies(t -> assertThat(t.getMessage()).doesNotContain("\n"));
        assertThatThrownBy(() -> Encoders.restore("nope", 4, new byte[0]))
                .isInstanceOf(LegoNetException.class)
                .hasMessageContaining("encoder 'nope' is unknown");
    }

    @Test
    void theBuiltInProvidersComeFirst() {
        assertThat(Encoders.providers()).hasSizeGreaterThanOrEqualTo(2);
        assertThat(Encoders.providers().get(0)).isInstanceOf(IdentityEncoder.Provider.class);
        assertThat(Encoders.providers().get(1)).isInstanceOf(PcaEncoder.Provider.class);
    }

    @Test
    void encodeAllGivesTheSameBitsForAnyThreadCount() {
        Dataset pub = Synthetic.blobs(200, 9, 3, 2, 0);
        Dataset many = Synthetic.blobs(1000, 9, 3, 3, 0); // four batches of rows
        Encoder e = Encoders.fit("pca:5", pub, 0, Progress.NONE);
        float[] one = Encoders.encodeAll(e, many, 1, Progress.NONE);
        float[] three = Encoders.encodeAll(e, many, 3, Progress.NONE);
        assertThat(one).hasSize(1000 * 5);
        assertThat(Arrays.equals(one, three)).isTrue();
        // and each row equals encoding that row alone
        float[] row = new float[9];
        for (int r : new int[] {0, 255, 256, 511, 999}) {
            many.copyRow(r, row, 0);
            assertThat(Encoders.encodeOne(e, row)).containsExactly(Arrays.copyOfRange(one, r * 5, r * 5 + 5));
        }
    }

    @Test
    void encodeAllReportsProgressInRows() {
        Dataset d = Synthetic.blobs(600, 3, 2, 4, 0);
        long[] total = new long[2];
        Progress p = new Progress() {
            @Override
            public void start(String task, long t) {
                total[0] = t;
            }

            @Override
            public synchronized void step(long amount) {
                total[1] += amount;
            }

            @Override
            public void finish() {
            }
        };
        Encoders.encodeAll(new IdentityEncoder(3), d, 2, p);
        assertThat(total).containsExactly(600, 600);
    }

    @Test
    void aDimensionMismatchIsAClearError() {
        Encoder e = new IdentityEncoder(5);
        Dataset d = Synthetic.blobs(10, 4, 2, 1, 0);
        assertThatThrownBy(() -> Encoders.encodeAll(e, d, 1, Progress.NONE))
                .isInstanceOf(LegoNetException.class)
                .hasMessageContaining("blobs has 4 features per sample but encoder identity expects 5");
    }
}
