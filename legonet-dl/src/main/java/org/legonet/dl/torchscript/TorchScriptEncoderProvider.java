package org.legonet.dl.torchscript;

import org.legonet.core.encoder.Encoder;
import org.legonet.dl.byo.ByoEncoderProvider;
import org.legonet.dl.byo.ByoSpec;

/** Builds {@code torchscript:PATH[:options]} encoders (PyTorch via DJL); see {@link ByoEncoderProvider}. */
public final class TorchScriptEncoderProvider extends ByoEncoderProvider {
    static final String KIND = "torchscript";

    public TorchScriptEncoderProvider() {
        super(KIND, "module file");
    }

    @Override
    protected Encoder load(String spec, ByoSpec byo, byte[] bytes, int inputDim, String source) {
        return TorchScriptEncoder.load(spec, byo, bytes, inputDim, source);
    }
}
