package org.legonet.dl.torchscript;

import org.legonet.core.data.Dataset;
import org.legonet.core.encoder.Encoder;
import org.legonet.core.encoder.EncoderProvider;
import org.legonet.core.util.Progress;
import org.legonet.dl.byo.ByoSpec;
import org.legonet.dl.byo.ModelFile;

/**
 * Builds {@code torchscript:PATH[:options]} encoders. Nothing is fitted: {@code fit} reads the file, checks
 * it against the public split's dimension and runs a probe sample; the private split is never seen.
 */
public final class TorchScriptEncoderProvider implements EncoderProvider {
    static final String KIND = "torchscript";

    @Override
    public boolean supports(String spec) {
        return ByoSpec.isKind(spec, KIND);
    }

    @Override
    public Encoder fit(String spec, Dataset publicSplit, long seed, Progress progress) {
        ByoSpec byo = ByoSpec.parse(spec, KIND);
        byte[] model = ModelFile.read(byo.path(), spec);
        return TorchScriptEncoder.load(spec, byo, model, publicSplit.dim(), "module file " + byo.path());
    }

    @Override
    public Encoder restore(String spec, int inputDim, byte[] state) {
        ByoSpec byo = ByoSpec.parse(spec, KIND);
        return TorchScriptEncoder.load(spec, byo, state, inputDim, "the stored encoder state");
    }

    @Override
    public String usage() {
        return ByoSpec.usage(KIND);
    }
}
