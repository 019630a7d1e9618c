package org.legonet.core.encoder;

import org.legonet.core.LegoNetException;
import org.legonet.core.data.Dataset;
import org.legonet.core.Progress;

/**
 * Features as given: for users who bring their own embeddings (computed by a network trained on
 * data that will never be deleted). Nothing is fitted.
 */
public final class IdentityEncoder implements Encoder {
    private final int dim;

    public IdentityEncoder(int dim) {
        if (dim <= 0) {
            throw new IllegalArgumentException("dimension must be positive, got " + dim);
        }
        this.dim = dim;
    }

    @Override
    public String spec() {
        return "identity";
    }

    @Override
    public int inputDim() {
        return dim;
    }

    @Override
    public int outputDim() {
        return dim;
    }

    @Override
    public void encode(float[] in, int rows, float[] out) {
        System.arraycopy(in, 0, out, 0, rows * dim);
    }

    @Override
    public byte[] state() {
        return new byte[0];
    }

    /** Builds {@code identity}. */
    public static final class Provider implements EncoderProvider {
        @Override
        public boolean supports(String spec) {
            return spec.equals("identity");
        }

        @Override
        public Encoder fit(String spec, Dataset publicSplit, long seed, Progress progress) {
            return new IdentityEncoder(publicSplit.dim());
        }

        @Override
        public Encoder restore(String spec, int inputDim, byte[] state) {
            if (state.length != 0) {
                throw new LegoNetException("identity encoder state must be empty, found " + state.length + " bytes");
            }
            return new IdentityEncoder(inputDim);
        }

        @Override
        public String usage() {
            return "identity";
        }
    }
}
