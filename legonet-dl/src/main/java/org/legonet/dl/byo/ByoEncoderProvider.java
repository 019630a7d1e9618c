package org.legonet.dl.byo;

import org.legonet.core.data.Dataset;
import org.legonet.core.encoder.Encoder;
import org.legonet.core.encoder.EncoderProvider;
import org.legonet.core.Progress;

/**
 * Builds {@code KIND:PATH[:options]} encoders from a user's pretrained network file. Nothing is
 * fitted: {@code fit} reads the file, checks it against the public split's dimension and runs a probe
 * sample; the private split is never seen. The file's bytes are the encoder's state.
 */
public abstract class ByoEncoderProvider implements EncoderProvider {
    private final String kind;
    private final String fileWord;

    /**
     * @param kind     the specification prefix, e.g. {@code onnx}
     * @param fileWord how errors name the file, e.g. {@code model file}
     */
    protected ByoEncoderProvider(String kind, String fileWord) {
        this.kind = kind;
        this.fileWord = fileWord;
    }

    /** Loads the network from its bytes; {@code source} names where they came from, for errors. */
    protected abstract Encoder load(String spec, ByoSpec byo, byte[] bytes, int inputDim, String source);

    @Override
    public final boolean supports(String spec) {
        return ByoSpec.isKind(spec, kind);
    }

    @Override
    public final Encoder fit(String spec, Dataset publicSplit, long seed, Progress progress) {
        ByoSpec byo = ByoSpec.parse(spec, kind);
        byte[] bytes = ModelFile.read(byo.path(), spec);
        return load(spec, byo, bytes, publicSplit.dim(), fileWord + " " + byo.path());
    }

    @Override
    public final Encoder restore(String spec, int inputDim, byte[] state) {
        return load(spec, ByoSpec.parse(spec, kind), state, inputDim, "the stored encoder state");
    }

    @Override
    public final String usage() {
        return ByoSpec.usage(kind);
    }
}
