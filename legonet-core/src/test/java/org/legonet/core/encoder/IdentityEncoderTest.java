package org.legonet.core.encoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.legonet.core.LegoNetException;
import org.legonet.core.testing.Synthetic;
import org.legonet.core.Progress;

class IdentityEncoderTest {
    @Test
    void encodingIsTheFeatureVectorAndOnlyTheOutputIsWritten() {
        Encoder e = new IdentityEncoder(3);
        float[] in = {1, -2, 3.5f, -0.0f, 5, 6};
        float[] out = {9, 9, 9, 9, 9, 9, 7};
        e.encode(in, 2, out);
        assertThat(out).containsExactly(1, -2, 3.5f, -0.0f, 5, 6, 7);
        assertThat(in).containsExactly(1, -2, 3.5f, -0.0f, 5, 6);
        assertThat(e.inputDim()).isEqualTo(3);
        assertThat(e.outputDim()).isEqualTo(3);
        assertThat(e.spec()).isEqualTo("identity");
    }

    @Test
    void fittingTakesTheDimensionOfThePublicSplitAndRestoringGivesTheSameFingerprint() {
        Encoder e = Encoders.fit("identity", Synthetic.blobs(5, 7, 2, 1, 0), 0, Progress.NONE);
        assertThat(e.inputDim()).isEqualTo(7);
        assertThat(e.state()).isEmpty();
        Encoder back = Encoders.restore("identity", 7, e.state());
        assertThat(back.fingerprint()).isEqualTo(e.fingerprint());
        assertThat(new IdentityEncoder(8).fingerprint()).isNotEqualTo(e.fingerprint());
    }

    @Test
    void aNonEmptyStateOrANonPositiveDimensionIsRefused() {
        assertThatThrownBy(() -> Encoders.restore("identity", 4, new byte[] {1}))
                .isInstanceOf(LegoNetException.class)
                .hasMessageContaining("identity encoder state must be empty, found 1 bytes");
        assertThatThrownBy(() -> new IdentityEncoder(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got 0");
    }
}
