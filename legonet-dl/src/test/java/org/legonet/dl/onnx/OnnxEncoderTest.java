package org.legonet.dl.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.legonet.core.data.Dataset;
import org.legonet.core.encoder.Encoder;
import org.legonet.core.encoder.Encoders;
import org.legonet.core.Progress;
import org.legonet.dl.byo.ByoEncoderContractTest;

/** {@code onnx:PATH} on graphs the test writes itself (see {@link OnnxModels}). */
class OnnxEncoderTest extends ByoEncoderContractTest {
    @Override
    protected String kind() {
        return "onnx";
    }

    @Override
    protected byte[] denseRelu(int d, int h, float[] w, float[] b) {
        return OnnxModels.denseRelu(d, h, w, b, true);
    }

    @Override
    protected byte[] logOf(int d) {
        return OnnxModels.log(d);
    }

    @Test
    void aFixedBatchOfOneWorksLikeADynamicBatch() {
        Path fixed = file("fixed", OnnxModels.denseRelu(D, H, W, B, false));
        Dataset data = org.legonet.core.testing.Synthetic.blobs(40, D, 3, 9, 0);
        try (Encoder f = fit(spec(fixed), D); Encoder dyn = dense()) {
            assertThat(((OnnxEncoder) f).inputShape()).containsExactly(1, D);
            assertThat(((OnnxEncoder) f).inputName()).isEqualTo("x");
            assertThat(((OnnxEncoder) f).outputName()).isEqualTo("y");
            assertThat(Encoders.encodeAll(f, data, 1, Progress.NONE))
                    .containsExactly(Encoders.encodeAll(dyn, data, 1, Progress.NONE));
        }
    }

    @Test
    void unknownInputAndOutputNamesAreOneLineErrors() {
        Path f = file("dense", denseRelu(D, H, W, B));
        assertOneLineError(() -> fit(spec(f) + ":output=embedding", D), "no output 'embedding'", "[y]");
        assertOneLineError(() -> fit(spec(f) + ":input=pixels", D), "no input 'pixels'", "[x]");
        try (Encoder named = fit(spec(f) + ":input=x:output=y", D)) {
            assertThat(named.outputDim()).isEqualTo(H);
        }
    }

    @Test
    void anInputThatCannotBeFilledInIsAOneLineError() {
        Path f = file("two", OnnxModels.twoInputs(D));
        assertOneLineError(() -> fit(spec(f), D), "input 'other' cannot be filled in", "attention_mask");
    }

    @Test
    void anUnsupportedInputTypeIsAOneLineError() {
        Path f = file("bool", OnnxModels.cast(OnnxModels.BOOL, D));
        assertOneLineError(() -> fit(spec(f), D), "input 'x' has type bool", "float, double, int64 and int32");
    }

    @Test
    void integerInputsReceiveTheValuesRoundedToIntegers() {
        float[] x = {2.6f, -1.4f, 0.5f, 1.5f, 7f, 300.49f};
        float[] want = {3f, -1f, 0f, 2f, 7f, 300f}; // round half to even
        Dataset one = new Dataset("one", new long[] {1}, new int[] {0}, x, new int[] {D});
        for (int type : new int[] {OnnxModels.INT64, OnnxModels.INT32}) {
            Path f = file("cast" + type, OnnxModels.cast(type, D));
            try (Encoder e = fit(spec(f), D)) {
                assertThat(Encoders.encodeAll(e, one, 1, Progress.NONE)).as("type %d", type).containsExactly(want);
            }
        }
        Path f = file("cast32", OnnxModels.cast(OnnxModels.INT32, D));
        float[] huge = {3e9f, 0, 0, 0, 0, 0};
        try (Encoder e = fit(spec(f), D)) {
            assertOneLineError(() -> e.encode(huge, 1, new float[D]), "does not fit the model's int32 input");
        }
    }
}
