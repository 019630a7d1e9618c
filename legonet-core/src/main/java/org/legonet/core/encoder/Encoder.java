package org.legonet.core.encoder;

import java.security.MessageDigest;
import org.legonet.core.util.Digests;

/**
 * The fixed encoder: maps a raw feature vector to an encoding. It is fitted on the public split
 * only, then frozen (docs/design.md, contract point 1), and identified by a SHA-256 fingerprint of its
 * specification and parameters.
 *
 * <p>Implementations are immutable and thread-safe, and encode each sample independently of the
 * others in the same call, with a fixed order of floating-point operations: a sample's encoding is
 * the same bits whether it is encoded alone, in a batch, at training time or by {@code verify}.
 * Encoders that hold native resources release them in {@link #close()}.
 */
public interface Encoder extends AutoCloseable {
    /** The specification this encoder was built from, e.g. {@code "pca:64"}. */
    String spec();

    /** Length of a raw feature vector. */
    int inputDim();

    /** Length of an encoding. */
    int outputDim();

    /**
     * Encodes {@code rows} samples: reads {@code in[0 .. rows * inputDim())} and writes
     * {@code out[0 .. rows * outputDim())}. Only {@code out} is modified.
     */
    void encode(float[] in, int rows, float[] out);

    /** Everything needed to rebuild this encoder with {@link EncoderProvider#restore}. */
    byte[] state();

    /** SHA-256 over the specification and the state, hex. */
    default String fingerprint() {
        MessageDigest md = Digests.sha256();
        Digests.update(md, spec());
        Digests.update(md, inputDim(), outputDim());
        md.update(state());
        return Digests.hex(md.digest());
    }

    @Override
    default void close() {
    }
}
