package org.legonet.core.encoder;

import org.legonet.core.data.Dataset;
import org.legonet.core.Progress;

/**
 * Builds encoders of one family. Found through {@link java.util.ServiceLoader}, so modules such as
 * {@code legonet-dl} add deep encoders ({@code cnn}, {@code onnx:PATH}) without core knowing them.
 */
public interface EncoderProvider {
    /** Whether this provider builds encoders for {@code spec} (e.g. {@code "pca:64"}). */
    boolean supports(String spec);

    /**
     * Fits an encoder on the public split. The private split never reaches this method.
     *
     * @throws org.legonet.core.LegoNetException when the specification or the data do not fit
     */
    Encoder fit(String spec, Dataset publicSplit, long seed, Progress progress);

    /**
     * Rebuilds a fitted encoder from its {@link Encoder#state()}.
     *
     * @throws org.legonet.core.LegoNetException when the state is corrupted or foreign
     */
    Encoder restore(String spec, int inputDim, byte[] state);

    /** One line for a usage text: the specifications this provider accepts. */
    String usage();
}
