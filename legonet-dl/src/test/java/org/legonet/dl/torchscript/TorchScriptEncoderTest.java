package org.legonet.dl.torchscript;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.legonet.core.data.Dataset;
import org.legonet.core.encoder.Encoder;
import org.legonet.core.encoder.Encoders;
import org.legonet.core.Progress;
import org.legonet.dl.byo.ByoEncoderContractTest;

/** {@code torchscript:PATH} on modules the test writes itself (see {@link TorchScriptArchives}). */
class TorchScriptEncoderTest extends ByoEncoderContractTest {
    @Override
    protected String kind() {
        return "torchscript";
    }

    @Override
    protected byte[] denseRelu(int d, int h, float[] w, float[] b) {
        return TorchScriptArchives.denseRelu(d, h, w, b);
    }

    @Override
    protected byte[] logOf(int d) {
        return TorchScriptArchives.module("Tensor", "Tensor", "return torch.log(x)");
    }

    @Test
    void theSampleIsFedAsOneRowUnlessAShapeIsGiven() {
        Path f = file("shape", TorchScriptArchives.module("Tensor", "Tensor",
                "return torch.reshape(torch.sum(x, [2]), [1, 2])"));
        Dataset one = new Dataset("one", new long[] {1}, new int[] {0}, new float[] {1, 2, 3, 4, 5, 6}, new int[] {D});
        try (Encoder e = fit(spec(f) + ":shape=1x2x3", D)) {
            assertThat(((TorchScriptEncoder) e).inputShape()).containsExactly(1, 2, 3);
            assertThat(Encoders.encodeAll(e, one, 1, Progress.NONE)).containsExactly(6f, 15f);
        }
        // [1, 6] has no dimension 2
        assertOneLineError(() -> fit(spec(f), D), "PyTorch failed to run the module");
    }

    @Test
    void integerInputsReceiveTheValuesRoundedToIntegers() {
        Path f = file("ids", TorchScriptArchives.module("Tensor", "Tensor", "return torch.mul(x, 1.0)"));
        Dataset one = new Dataset("one", new long[] {1}, new int[] {0}, new float[] {2.6f, -1.4f, 0.5f, 1.5f, 7f, 300.49f},
                new int[] {D});
        try (Encoder e = fit(spec(f) + ":dtype=int64", D)) {
            assertThat(Encoders.encodeAll(e, one, 1, Progress.NONE)).containsExactly(3f, -1f, 0f, 2f, 7f, 300f);
        }
        // an integer output is not an encoding
        Path ints = file("ints", TorchScriptArchives.module("Tensor", "Tensor", "return torch.add(x, 1)"));
        assertOneLineError(() -> fit(spec(ints) + ":dtype=int32", D), "output 0 holds int32 values");
    }

    @Test
    void theOutputIsChosenByIndex() {
        Path f = file("pair", TorchScriptArchives.module("Tensor", "Tuple[Tensor, Tensor]",
                "return (torch.neg(x), torch.mul(x, 2.0))"));
        Dataset one = new Dataset("one", new long[] {1}, new int[] {0}, new float[] {1, 2, 3, 4, 5, 6}, new int[] {D});
        try (Encoder first = fit(spec(f), D); Encoder second = fit(spec(f) + ":output=1", D)) {
            assertThat(Encoders.encodeAll(first, one, 1, Progress.NONE)).containsExactly(-1, -2, -3, -4, -5, -6);
            assertThat(Encoders.encodeAll(second, one, 1, Progress.NONE)).containsExactly(2, 4, 6, 8, 10, 12);
        }
        assertOneLineError(() -> fit(spec(f) + ":output=2", D), "returned 2 output(s)", "output=2 does not exist");
        assertOneLineError(() -> fit(spec(f) + ":output=last", D), "output= must be the index");
        assertOneLineError(() -> fit(spec(f) + ":input=x", D), "drop input=");
    }

    @Test
    void aRankThreeOutputIsPooledOverTheSequence() {
        // x is [1, 3, 2]: three "tokens" of two values
        Path f = file("seq", TorchScriptArchives.module("Tensor", "Tensor", "return torch.mul(x, 1.0)"));
        Dataset one = new Dataset("one", new long[] {1}, new int[] {0}, new float[] {1, 2, 3, 4, 5, 9}, new int[] {D});
        try (Encoder mean = fit(spec(f) + ":shape=1x3x2", D); Encoder first = fit(spec(f) + ":shape=1x3x2:pool=first", D);
             Encoder none = fit(spec(f) + ":shape=1x3x2:pool=none", D)) {
            assertThat(Encoders.encodeAll(mean, one, 1, Progress.NONE)).containsExactly(3f, 5f);
            assertThat(Encoders.encodeAll(first, one, 1, Progress.NONE)).containsExactly(1f, 2f);
            assertThat(Encoders.encodeAll(none, one, 1, Progress.NONE)).containsExactly(1, 2, 3, 4, 5, 9);
        }
    }
}
