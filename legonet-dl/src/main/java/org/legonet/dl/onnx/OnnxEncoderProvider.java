package org.legonet.dl.onnx;

import org.legonet.core.encoder.Encoder;
import org.legonet.dl.byo.ByoEncoderProvider;
import org.legonet.dl.byo.ByoSpec;

/** Builds {@code onnx:PATH[:options]} encoders (ONNX Runtime); see {@link ByoEncoderProvider}. */
public final class OnnxEncoderProvider extends ByoEncoderProvider {
    static final String KIND = "onnx";

    public OnnxEncoderProvider() {
        super(KIND, "model file");
    }

    @Override
    protected Encoder load(String spec, ByoSpec byo, byte[] bytes, int inputDim, String source) {
        return OnnxEncoder.load(spec, byo, bytes, inputDim, source);
    }
}
