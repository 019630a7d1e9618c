package org.legonet.dl.byo;

import java.util.Arrays;
import org.legonet.core.LegoNetException;

/** Fitting a raw sample of length D to a model's declared input shape. */
public final class Shapes {
    private Shapes() {
    }

    /**
     * The concrete input shape, batch dimension 1, for samples of {@code dim} values.
     *
     * @param spec     the encoder spec, for messages
     * @param input    the name of the model's input, for messages
     * @param declared the model's declared shape; negative entries are dynamic (null: undeclared, then
     *                 the shape is {@code [1, dim]})
     * @param explicit the user's {@code shape=} option, or null
     * @param dim      the number of values in one sample
     * @throws LegoNetException when the shapes cannot hold exactly {@code dim} values
     */
    public static long[] resolve(String spec, String input, long[] declared, long[] explicit, int dim) {
        if (explicit != null) {
            if (ByoSpec.elements(explicit) != dim) {
                throw new LegoNetException("encoder '" + spec + "': shape=" + ByoSpec.format(explicit) + " holds "
                        + ByoSpec.elements(explicit) + " values but samples have " + dim + " features");
            }
            if (declared != null && !compatible(declared, explicit)) {
                throw new LegoNetException("encoder '" + spec + "': shape=" + ByoSpec.format(explicit) + " does not fit input '"
                        + input + "' of shape " + ByoSpec.format(declared));
            }
            return explicit.clone();
        }
        if (declared == null) {
            return new long[] {1, dim};
        }
        if (declared.length == 0) {
            throw new LegoNetException("encoder '" + spec + "': input '" + input + "' is a scalar; a sample needs a tensor input");
        }
        if (declared[0] > 1) {
            throw new LegoNetException("encoder '" + spec + "': input '" + input + "' has a fixed batch size of " + declared[0]
                    + " (shape " + ByoSpec.format(declared) + "); samples are encoded one at a time, so it must be 1 or dynamic");
        }
        long[] shape = declared.clone();
        shape[0] = 1;
        long known = 1;
        int dynamic = -1;
        for (int i = 1; i < shape.length; i++) {
            if (shape[i] < 0) {
                if (dynamic >= 0) {
                    throw new LegoNetException("encoder '" + spec + "': input '" + input + "' has shape " + ByoSpec.format(declared)
                            + " with several dynamic dimensions; give the full shape, e.g. :shape=1x" + dim);
                }
                dynamic = i;
            } else {
                known *= shape[i];
            }
        }
        if (dynamic >= 0) {
            if (known == 0 || dim % known != 0) {
                throw new LegoNetException("encoder '" + spec + "': input '" + input + "' of shape " + ByoSpec.format(declared)
                        + " cannot hold samples of " + dim + " features");
            }
            shape[dynamic] = dim / known;
        } else if (known != dim) {
            throw new LegoNetException("encoder '" + spec + "': input '" + input + "' of shape " + ByoSpec.format(declared)
                    + " takes " + known + " values but samples have " + dim + " features");
        }
        return shape;
    }

    /** Whether a concrete shape fits a declared one (same rank; each fixed dimension equal). */
    public static boolean compatible(long[] declared, long[] concrete) {
        if (declared.length != concrete.length) {
            return false;
        }
        for (int i = 0; i < declared.length; i++) {
            if (declared[i] >= 0 && declared[i] != concrete[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Checks one sample's output values are finite.
     *
     * @throws LegoNetException naming the sample and the value otherwise
     */
    public static void checkFinite(String spec, float[] values, int row) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new LegoNetException("encoder '" + spec + "' produced " + values[i] + " at position " + i
                        + " of the encoding of sample row " + row + "; a model must map every sample to finite values");
            }
        }
    }

    /**
     * Takes one sample's output: checks it has the probe sample's shape and finite values, then pools it
     * into {@code out[offset ..]}.
     *
     * @param output how messages name the output, e.g. {@code output 'last_hidden_state'} or {@code output 0}
     */
    public static void accept(String spec, String output, int row, float[] values, long[] shape, long[] probeShape,
                              Pooling pool, float[] out, int offset) {
        if (!Arrays.equals(shape, probeShape)) {
            throw new LegoNetException("encoder '" + spec + "': " + output + " has shape " + ByoSpec.format(shape)
                    + " for sample row " + row + " but " + ByoSpec.format(probeShape)
                    + " for the probe sample; encodings must have one length");
        }
        checkFinite(spec, values, row);
        pool.apply(values, probeShape, out, offset);
    }
}
